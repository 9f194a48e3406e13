import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP, isIPv6 } from 'node:net';
import {
  type KeyPair,
  loadX509,
  privateKeyPem,
  serialNumber,
} from '../observability/secure-serving/certificate.js';
import { callOutOfProcess } from '../observability/secure-serving/out-of-process.js';

/** What Operon reads from a certificate to decide whether it is still good. */
export interface CertificateInfo {
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Basic constraints say it may sign certificates. */
  readonly isCA: boolean;
  /** DNS names and IP addresses of its subject alternative names, normalised (see {@link normaliseHost}). */
  readonly hosts: readonly string[];
  readonly subject: string;
  /** SHA-256 fingerprint, `AB:CD:…`, for logs. */
  readonly fingerprint: string;
}

/** Parameters of {@link issueCa}. */
export interface CaParams {
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Parameters of {@link issueServingCertificate}. */
export interface ServingParams {
  /** DNS names and IP addresses clients reach the server by; the first is also the common name. */
  readonly hosts: readonly string[];
  readonly notBefore: Date;
  /** Capped at the CA's own expiry: a certificate cannot outlive its issuer. */
  readonly notAfter: Date;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Reads a PEM certificate (the first of a bundle).
 *
 * @throws Error when it is not a certificate.
 */
export function inspectCertificate(pem: string): CertificateInfo {
  const cert = new X509Certificate(pem);
  return {
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    isCA: cert.ca,
    hosts: sanHosts(cert.subjectAltName),
    subject: cert.subject,
    fingerprint: cert.fingerprint256,
  };
}

/** True when `key` (PEM) is the private key of `cert` (PEM); false for anything unreadable. */
export function matchesKey(cert: string, key: string): boolean {
  try {
    return new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}

/** True when `ca` (PEM) signed `cert` (PEM): names chain and the signature verifies. */
export function issuedBy(cert: string, ca: string): boolean {
  try {
    const leaf = new X509Certificate(cert);
    const issuer = new X509Certificate(ca);
    return leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The PEM certificates of a bundle, in order. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)?.map(endLine) ?? [];
}

/**
 * Issues a self-signed CA certificate and key (ECDSA P-256) for signing webhook serving certificates.
 *
 * @remarks
 * Uses `@peculiar/x509` on Node's WebCrypto (native keys and signatures; Node's own crypto parses
 * certificates but cannot issue them), in a short-lived child process as the metrics server's
 * self-signed certificate is (see `callOutOfProcess`): the operator never holds the library.
 */
export function issueCa(params: CaParams): Promise<KeyPair> {
  return callOutOfProcess<KeyPair>({
    moduleUrl: import.meta.url,
    exportName: issueCaHere.name,
    args: [params],
  });
}

/**
 * {@link issueCa} in this process: what its child process runs.
 * @internal
 */
export async function issueCaHere(params: CaParams): Promise<KeyPair> {
  const { x509, crypto } = await loadX509();
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(crypto),
    name: `CN=${escapeDn(params.commonName)}`,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    ],
  });
  return { cert: endLine(cert.toString('pem')), key: await privateKeyPem(crypto, keys.privateKey) };
}

/**
 * Issues a serving certificate (ECDSA P-256, `serverAuth`) for `hosts`, signed by `ca`.
 *
 * @throws Error when the CA's key cannot be read as an ECDSA P-256 PKCS#8 key (a CA Operon did not make).
 */
export function issueServingCertificate(ca: KeyPair, params: ServingParams): Promise<KeyPair> {
  return callOutOfProcess<KeyPair>({
    moduleUrl: import.meta.url,
    exportName: issueServingCertificateHere.name,
    args: [ca, params],
  });
}

/**
 * {@link issueServingCertificate} in this process: what its child process runs.
 * @internal
 */
export async function issueServingCertificateHere(ca: KeyPair, params: ServingParams): Promise<KeyPair> {
  const { x509, crypto } = await loadX509();
  const issuer = new x509.X509Certificate(ca.cert);
  const signingKey = await crypto.subtle.importKey('pkcs8', pemBody(ca.key), ALGORITHM, false, ['sign']);
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const hosts = [...new Set(params.hosts)];
  const notAfter = new Date(Math.min(params.notAfter.getTime(), issuer.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(crypto),
      subject: `CN=${escapeDn(hosts[0] ?? 'operon-webhook')}`,
      issuer: issuer.subject,
      notBefore: params.notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          hosts.map((h) =>
            isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
          ),
        ),
        await x509.AuthorityKeyIdentifierExtension.create(issuer, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: endLine(cert.toString('pem')), key: await privateKeyPem(crypto, keys.privateKey) };
}

/**
 * A host as certificates and comparisons should see it: DNS names lower-cased, IPv6 addresses in
 * one spelling (`::1` and `0:0:0:0:0:0:0:1` are the same address; Node prints the latter).
 */
export function normaliseHost(host: string): string {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (!isIPv6(h)) return h;
  const [head = '', tail = ''] = h.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = h.includes('::') && tail ? tail.split(':') : [];
  const groups = h.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return groups.map((g) => Number.parseInt(g, 16).toString(16)).join(':');
}

function sanHosts(san: string | undefined): string[] {
  if (!san) return [];
  return san
    .split(', ')
    .map((entry) => {
      const m = /^(DNS|IP Address):"?(.*?)"?$/.exec(entry.trim());
      return m?.[2] ? normaliseHost(m[2]) : undefined;
    })
    .filter((h): h is string => h !== undefined);
}

function pemBody(pem: string): ArrayBuffer {
  const m = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (!m?.[1]) throw new Error('the CA key is not a PKCS#8 PEM private key');
  const der = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  // A copy of exactly its bytes: a small Buffer is a view into a shared pool.
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

/** Common names here are host names and Operon's own CA names; escape the RFC 4514 specials anyway. */
function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}

function endLine(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}
