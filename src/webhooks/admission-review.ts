import type { KubeObject } from '../types/kube-object.js';

/** The only AdmissionReview version Operon serves; the webhook configuration asks for it. */
export const ADMISSION_REVIEW_API_VERSION = 'admission.k8s.io/v1';

/** A kind as an AdmissionReview names it. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** A resource as an AdmissionReview names it (`resource` is the plural). */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** What the API server is about to do. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * The `request` of an `admission.k8s.io/v1` AdmissionReview: the fields Operon reads, as the API
 * server sends them.
 */
export interface AdmissionRequest {
  /** Echoed in the response: the API server matches answers to requests by it. */
  readonly uid: string;
  /** Kind of {@link AdmissionRequest.object}, in the version the webhook's rule asked for. */
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  /** `status`, `scale`, …; absent for the main resource. */
  readonly subResource?: string;
  /** The name; empty on a create with `generateName`. */
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: AdmissionOperation;
  /** Who sent the request. */
  readonly userInfo?: {
    readonly username?: string;
    readonly uid?: string;
    readonly groups?: readonly string[];
  };
  /** The object as it would be stored (CREATE, UPDATE). */
  readonly object?: KubeObject;
  /** The object as stored now (UPDATE, DELETE). */
  readonly oldObject?: KubeObject;
  /** True when nothing will be stored (`--dry-run=server`). */
  readonly dryRun?: boolean;
}

/** The failure details of a denial, as a Kubernetes `Status`. */
export interface AdmissionStatus {
  /** HTTP code the API server answers the writer with (at least 400 for a denial). */
  readonly code?: number;
  /** CamelCase reason, e.g. `Invalid`. */
  readonly reason?: string;
  readonly message?: string;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly causes?: readonly {
      readonly field?: string;
      readonly message?: string;
      readonly reason?: string;
    }[];
  };
}

/** The `response` of an AdmissionReview. */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  /** Shown to the writer (`kubectl` prints them as `Warning:` lines); allowed or not. */
  readonly warnings?: readonly string[];
}

/** An `admission.k8s.io/v1` AdmissionReview as Operon answers it. */
export interface AdmissionReviewResponse {
  readonly apiVersion: typeof ADMISSION_REVIEW_API_VERSION;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

/**
 * A request body that is not an `admission.k8s.io/v1` AdmissionReview Operon can judge; the webhook
 * server answers it with 400 and this message.
 */
export class MalformedReviewError extends Error {
  override readonly name = 'MalformedReviewError';
}

const OPERATIONS: ReadonlySet<string> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

/**
 * Reads an AdmissionReview request body and checks what Operon relies on.
 *
 * @remarks
 * Only `admission.k8s.io/v1` is accepted: the generated configuration says
 * `admissionReviewVersions: ['v1']`, so anything else is a misconfigured or foreign caller, and the
 * message says what was expected. CREATE and UPDATE must carry the object, UPDATE the old one too.
 *
 * @throws MalformedReviewError naming the first thing that is wrong.
 */
export function parseAdmissionReview(body: string): AdmissionRequest {
  const request = reviewRequest(
    body,
    'AdmissionReview',
    ADMISSION_REVIEW_API_VERSION,
    'admissionReviewVersions',
  );
  if (typeof request.operation !== 'string' || !OPERATIONS.has(request.operation))
    throw new MalformedReviewError(
      `request.operation ${JSON.stringify(request.operation)} is not an operation`,
    );
  if (!isNamed(request.kind, ['group', 'version', 'kind']))
    throw new MalformedReviewError('request.kind must have group, version and kind');
  if (!isNamed(request.resource, ['group', 'version', 'resource']))
    throw new MalformedReviewError('request.resource must have group, version and resource');
  for (const field of ['subResource', 'name', 'namespace'] as const) {
    if (request[field] !== undefined && typeof request[field] !== 'string')
      throw new MalformedReviewError(`request.${field} must be a string`);
  }
  const operation = request.operation as AdmissionOperation;
  for (const field of ['object', 'oldObject'] as const) {
    if (request[field] !== undefined && request[field] !== null && !isRecord(request[field]))
      throw new MalformedReviewError(`request.${field} must be an object`);
  }
  if ((operation === 'CREATE' || operation === 'UPDATE') && !isRecord(request.object))
    throw new MalformedReviewError(`a ${operation} review must carry request.object`);
  if (operation === 'UPDATE' && !isRecord(request.oldObject))
    throw new MalformedReviewError('an UPDATE review must carry request.oldObject');
  return {
    ...(request as object),
    object: isRecord(request.object) ? (request.object as KubeObject) : undefined,
    oldObject: isRecord(request.oldObject) ? (request.oldObject as KubeObject) : undefined,
  } as AdmissionRequest;
}

/**
 * The `request` of a review body (AdmissionReview or ConversionReview) of the one version Operon
 * serves, with its `uid` checked.
 *
 * @throws MalformedReviewError naming the first thing that is wrong, and for another version, the
 * setting (`versionsField`) that asks the API server for v1.
 */
export function reviewRequest(
  body: string,
  kind: string,
  apiVersion: string,
  versionsField: string,
): Record<string, unknown> & { uid: string } {
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch (e) {
    throw new MalformedReviewError(`the body is not JSON: ${(e as Error).message}`);
  }
  if (!isRecord(review)) throw new MalformedReviewError(`the body is not a JSON object (a ${kind})`);
  if (review.kind !== kind)
    throw new MalformedReviewError(`expected kind ${kind}, got ${JSON.stringify(review.kind)}`);
  if (review.apiVersion !== apiVersion) {
    throw new MalformedReviewError(
      `expected apiVersion ${apiVersion}, got ${JSON.stringify(review.apiVersion)}; set ${versionsField}: ['v1'] in the webhook configuration`,
    );
  }
  const request = review.request;
  if (!isRecord(request)) throw new MalformedReviewError(`the ${kind} has no request`);
  if (typeof request.uid !== 'string' || request.uid === '')
    throw new MalformedReviewError('request.uid is missing');
  return request as Record<string, unknown> & { uid: string };
}

/** Wraps a response in the AdmissionReview envelope the API server expects back. */
export function admissionReviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_REVIEW_API_VERSION, kind: 'AdmissionReview', response };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNamed(v: unknown, fields: readonly string[]): boolean {
  // The core group is the empty string, which is still a string.
  return isRecord(v) && fields.every((f) => typeof v[f] === 'string');
}
