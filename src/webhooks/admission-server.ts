import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { type ListenOptions, listenOn } from '../observability/health/endpoint-server.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { checkKeyPair, type KeyPair } from '../observability/secure-serving/certificate.js';
import {
  type AdmissionRequest,
  type AdmissionResponse,
  admissionReviewResponse,
  MalformedReviewError,
  parseAdmissionReview,
} from './admission-review.js';
import {
  type ConversionRequest,
  type ConversionResponse,
  conversionReviewResponse,
  parseConversionReview,
} from './conversion-review.js';

/** Judges one review; the signal fires at the handler's deadline. */
export type ReviewHandler = (request: AdmissionRequest, signal: AbortSignal) => Promise<AdmissionResponse>;

/**
 * Converts the objects of one ConversionReview. Synchronous: conversion is pure data work, and the
 * API server waits for it on every read and write of another version.
 */
export type ConversionHandler = (request: ConversionRequest) => ConversionResponse;

/** Options of {@link serveAdmission}. */
export interface AdmissionServerOptions {
  readonly listen: ListenOptions;
  /** The serving certificate and key; replace it later with {@link AdmissionServer.setCertificate}. */
  readonly tls: KeyPair;
  /** Admission handler per URL path. */
  readonly routes: ReadonlyMap<string, ReviewHandler>;
  /** Conversion handler per URL path (CRD conversion webhooks), on the same server and certificate. */
  readonly conversions?: ReadonlyMap<string, ConversionHandler>;
  /**
   * Largest request body accepted, in bytes; larger ones get 413. Default 7 MiB, controller-runtime's:
   * a review carries the object and the old object, each up to the API server's 3 MiB, plus a little.
   */
  readonly maxBodyBytes?: number;
  /**
   * Largest ConversionReview accepted, in bytes. Default 64 MiB: the API server converts a whole list
   * page in one review (500 objects for an informer's page), not one object.
   */
  readonly maxConversionBytes?: number;
  /**
   * How long a handler may take, in ms; past it the review gets 500 and the API server applies the
   * webhook's failure policy. Default 10 000 (the API server's default `timeoutSeconds`).
   */
  readonly handlerTimeoutMs?: number;
  readonly log?: Logger;
}

/** A running admission webhook server. */
export interface AdmissionServer {
  /** The port bound (differs from the requested one when that was 0). */
  readonly port: number;
  readonly address: string;
  /** `https://address:port`. */
  readonly url: string;
  /** Admission reviews answered with 200 so far (allowed or refused). */
  readonly reviews: number;
  /** ConversionReviews answered with 200 so far (converted or failed). */
  readonly conversions: number;
  /**
   * Serves a new certificate to new connections (a rotated one).
   *
   * @throws Error when the pair is not a matching certificate and key.
   */
  setCertificate(pair: KeyPair): void;
  /** Stops accepting connections, closes kept-alive ones, and resolves once closed. */
  close(): Promise<void>;
}

/** Default of {@link AdmissionServerOptions.maxBodyBytes}. */
export const MAX_REVIEW_BYTES = 7 * 1024 * 1024;

/** Default of {@link AdmissionServerOptions.maxConversionBytes}. */
export const MAX_CONVERSION_BYTES = 64 * 1024 * 1024;

/**
 * Serves validating admission webhooks over HTTPS: `POST <path>` with an `admission.k8s.io/v1`
 * AdmissionReview in, the AdmissionReview with the handler's response out; and, on their own paths,
 * CRD conversion webhooks (`apiextensions.k8s.io/v1` ConversionReview in and out).
 *
 * @remarks
 * node:https with no framework, as the probe and metrics servers. Answers that are not a verdict:
 * 404 for a path with no handler, 405 for anything but POST, 400 for a body that is not JSON or not a
 * v1 AdmissionReview (the message says what is wrong), 413 past {@link AdmissionServerOptions.maxBodyBytes},
 * 500 when the handler throws or misses its deadline — the API server then applies the webhook's
 * `failurePolicy`, as it does when the server cannot be reached at all.
 *
 * Idle connections are kept for two minutes: the API server reuses them for up to 90 s, and a server
 * that closes one first can make a review fail with EOF.
 */
export async function serveAdmission(options: AdmissionServerOptions): Promise<AdmissionServer> {
  const log = options.log ?? silentLogger();
  const max = options.maxBodyBytes ?? MAX_REVIEW_BYTES;
  const maxConversion = options.maxConversionBytes ?? MAX_CONVERSION_BYTES;
  const timeoutMs = options.handlerTimeoutMs ?? 10_000;
  const conversions = options.conversions ?? new Map<string, ConversionHandler>();
  checkKeyPair(options.tls, 'The webhook serving certificate and key');
  let reviews = 0;
  let converted = 0;
  const server: Server = createServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      minVersion: 'TLSv1.2',
      handshakeTimeout: 10_000,
    },
    (req, res) => {
      void answer(req, res).catch((err: unknown) => {
        log.error({ err }, 'answering an admission review failed');
        if (!res.headersSent) text(res, 500, 'internal error');
        else res.destroy();
      });
    },
  );
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://webhook').pathname;
    const handler = options.routes.get(path);
    const converter = conversions.get(path);
    if (!handler && !converter) {
      const paths = [...options.routes.keys(), ...conversions.keys()];
      text(res, 404, `no webhook at ${path}; this server answers ${paths.join(', ')}`);
      return;
    }
    const what = converter ? 'a ConversionReview' : 'an AdmissionReview';
    if (req.method !== 'POST') {
      text(res, 405, `${converter ? 'conversion' : 'admission'} reviews are sent with POST`, {
        Allow: 'POST',
      });
      return;
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (contentType !== 'application/json') {
      text(res, 400, `the content type is ${contentType || 'missing'}; ${what} is application/json`);
      return;
    }
    const limit = converter ? maxConversion : max;
    const body = await readBody(req, limit);
    if (body === undefined) {
      text(res, 413, `the review is larger than ${limit} bytes`, { Connection: 'close' });
      res.once('finish', () => req.destroy());
      return;
    }
    if (converter) convert(converter, body, res, path);
    else if (handler) await admit(handler, body, res, path);
  }

  function convert(converter: ConversionHandler, body: string, res: ServerResponse, path: string): void {
    const request = parsed(res, () => parseConversionReview(body), 'ConversionReview');
    if (!request) return;
    const started = performance.now();
    const response = converter(request);
    // The API server matches the answer to its request by uid; never trust a handler to copy it.
    const json = JSON.stringify(conversionReviewResponse({ ...response, uid: request.uid }));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
    converted++;
    const fields = {
      uid: request.uid,
      path,
      to: request.desiredAPIVersion,
      objects: request.objects.length,
      ms: Math.round(performance.now() - started),
    };
    if (response.result.status === 'Success') log.debug(fields, 'converted');
    else log.warn({ ...fields, message: response.result.message }, 'conversion failed');
  }

  async function admit(
    handler: ReviewHandler,
    body: string,
    res: ServerResponse,
    path: string,
  ): Promise<void> {
    const request = parsed(res, () => parseAdmissionReview(body), 'AdmissionReview');
    if (!request) return;
    const started = performance.now();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no verdict within ${timeoutMs} ms`)), timeoutMs);
    let response: AdmissionResponse;
    try {
      response = await Promise.race([
        handler(request, abort.signal),
        new Promise<never>((_, reject) =>
          abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }),
        ),
      ]);
    } catch (err) {
      log.warn({ err, uid: request.uid, path }, 'an admission review could not be judged');
      text(res, 500, `the review could not be judged: ${err instanceof Error ? err.message : String(err)}`);
      return;
    } finally {
      clearTimeout(timer);
    }
    // The API server matches the answer to its request by uid; never trust a handler to copy it.
    const verdict = admissionReviewResponse({ ...response, uid: request.uid });
    const json = JSON.stringify(verdict);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
    reviews++;
    const fields = {
      uid: request.uid,
      operation: request.operation,
      resource: `${request.resource.resource}${request.resource.group ? `.${request.resource.group}` : ''}`,
      namespace: request.namespace || undefined,
      name: request.name || undefined,
      dryRun: request.dryRun || undefined,
      allowed: response.allowed,
      ms: Math.round(performance.now() - started),
    };
    if (response.allowed) log.debug(fields, 'admitted');
    else log.info({ ...fields, message: response.status?.message }, 'refused at admission');
  }

  const address = await listenOn(server, options.listen);
  return {
    port: address.port,
    address: address.address,
    url: `https://${address.shownHost}:${address.port}`,
    get reviews() {
      return reviews;
    },
    get conversions() {
      return converted;
    },
    setCertificate(pair: KeyPair): void {
      checkKeyPair(pair, 'The webhook serving certificate and key');
      server.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The API server keeps its connections alive; they would hold the close for two minutes.
        server.closeAllConnections();
      }),
  };
}

/** The parsed review, or undefined after answering 400 with what is wrong with it. */
function parsed<T>(res: ServerResponse, parse: () => T, kind: string): T | undefined {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof MalformedReviewError)) throw e;
    text(res, 400, `malformed ${kind}: ${e.message}`);
    return undefined;
  }
}

/** The body as text, or undefined when it passes `max` bytes (the rest is read and dropped). */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    // Listeners rather than `for await`: leaving that loop early destroys the socket, and the 413
    // would never reach the caller.
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function text(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = `${message}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
