import type { ConnectionSettings, TlsSettings } from './kube-config-like.js';

/**
 * Whether two settings carry the same credentials (headers and TLS material, by content): a 401
 * to one is a 401 to the other, however they were derived.
 */
export function sameCredentials(a: ConnectionSettings, b: ConnectionSettings): boolean {
  return sameHeaders(a.headers, b.headers) && sameTls(a.tls, b.tls);
}

/** Whether two header sets are equal. */
export function sameHeaders(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Whether two TLS settings would build the same agent (material compared by content). */
export function sameTls(a: Readonly<TlsSettings>, b: Readonly<TlsSettings>): boolean {
  return (
    a.servername === b.servername &&
    a.rejectUnauthorized === b.rejectUnauthorized &&
    a.passphrase === b.passphrase &&
    sameMaterial(a.ca, b.ca) &&
    sameMaterial(a.cert, b.cert) &&
    sameMaterial(a.key, b.key) &&
    sameMaterial(a.pfx, b.pfx)
  );
}

// CA, certificate, key or PFX: a string, a Buffer, an object ({ pem | buf, passphrase }) or a list of them.
function sameMaterial(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameMaterial(x, b[i]));
  if (Array.isArray(a) || Array.isArray(b) || a === undefined || b === undefined) return false;
  return bytes(a).equals(bytes(b));
}

function bytes(m: unknown): Buffer {
  if (Buffer.isBuffer(m)) return m;
  if (typeof m === 'string') return Buffer.from(m);
  // KeyObject / PxfObject entries ({ pem | buf, passphrase }): compare their JSON.
  return Buffer.from(JSON.stringify(m));
}
