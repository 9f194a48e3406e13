import { webcrypto, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { createSecureContext } from 'node:tls';
import { callOutOfProcess } from './out-of-process.js';

/** A PEM certificate (chain) and its private key. */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** Where a serving certificate and its key are read from. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Reads a certificate and key from files and checks they form a usable pair.
 *
 * @throws Error naming the files when one cannot be read or they do not match.
 */
export async function readKeyPair(files: CertificateFiles): Promise<KeyPair> {
  let pair: KeyPair;
  try {
    const [cert, key] = await Promise.all([
      readFile(files.certFile, 'utf8'),
      readFile(files.keyFile, 'utf8'),
    ]);
    pair = { cert, key };
  } catch (err) {
    throw new Error(`Cannot read the serving certificate: ${(err as Error).message}`, { cause: err });
  }
  checkKeyPair(pair, `${files.certFile} and ${files.keyFile}`);
  return pair;
}

/**
 * Throws unless `pair` is a certificate and the private key that matches it.
 *
 * @remarks
 * Building a TLS context is what would fail later, in every handshake; doing it now turns a wrong
 * file into one clear error at start-up (or a kept old certificate when a rotation is half-written).
 */
export function checkKeyPair(pair: KeyPair, what = 'the certificate and key'): void {
  try {
    createSecureContext({ cert: pair.cert, key: pair.key });
  } catch (err) {
    throw new Error(`${what} are not a usable certificate and key: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Options of {@link selfSignedKeyPair}. */
export interface SelfSignedOptions {
  /**
   * DNS names and IP addresses the certificate is for. Default `localhost`, `127.0.0.1`, `::1` and
   * the machine's host name (a Pod's name).
   */
  hosts?: readonly string[];
  /** Validity from now. Default 365 days. */
  validDays?: number;
}

/**
 * Generates a self-signed ECDSA P-256 certificate and key, as controller-runtime's metrics server does
 * when it is given no certificate.
 *
 * @remarks
 * Scrapers cannot verify such a certificate (Prometheus needs `insecure_skip_verify`, as kubebuilder's
 * ServiceMonitor sets), but the connection is still encrypted, and the bearer token that authorizes
 * a scrape never crosses the network in clear text. Uses `@peculiar/x509` on Node's WebCrypto (key
 * generation and signing are native), in a short-lived child process (see `callOutOfProcess`): the
 * operator never holds the library's ~11 MiB, and takes about 0.1 s longer to have its certificate.
 *
 * @example
 * ```ts
 * const { cert, key } = await selfSignedKeyPair({ hosts: ['localhost', '127.0.0.1'] });
 * ```
 */
export function selfSignedKeyPair(options: SelfSignedOptions = {}): Promise<KeyPair> {
  return callOutOfProcess<KeyPair>({
    moduleUrl: import.meta.url,
    exportName: selfSignedKeyPairHere.name,
    args: [options],
  });
}

/**
 * {@link selfSignedKeyPair} in this process: what its child process runs.
 * @internal
 */
export async function selfSignedKeyPairHere(options: SelfSignedOptions = {}): Promise<KeyPair> {
  const { x509, crypto } = await loadX509();
  const hosts = [...new Set(options.hosts ?? defaultHosts())];
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000); // tolerate a scraper's clock a little behind
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(crypto),
    name: `CN=${hosts[0] ?? 'localhost'}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (options.validDays ?? 365) * 86_400_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h })),
      ),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(crypto, keys.privateKey) };
}

/**
 * `@peculiar/x509` on Node's WebCrypto, for the functions that issue certificates (here and the
 * webhook's), each run in a child process.
 * @internal
 */
export async function loadX509() {
  // @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto as unknown as Crypto;
  x509.cryptoProvider.set(crypto);
  return { x509, crypto };
}

/**
 * 16 random bytes, hex, with the top bit clear: DER reads a set top bit as a negative serial.
 * @internal
 */
export function serialNumber(crypto: Crypto): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/**
 * A private key as PKCS#8 PEM.
 * @internal
 */
export async function privateKeyPem(crypto: Crypto, key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** SHA-256 fingerprint of the (first) certificate, `AB:CD:…`, for logs. */
export function fingerprint(pair: KeyPair): string {
  return new X509Certificate(pair.cert).fingerprint256;
}

function defaultHosts(): string[] {
  return ['localhost', '127.0.0.1', '::1', hostname()].filter(Boolean);
}
