import type { Logger } from '../observability/logger.js';
import type { ApiClient } from '../runtime/api/api-client.js';
import { ApiError } from '../runtime/api/api-error.js';
import type { KubeObject } from '../types/kube-object.js';
import {
  applyRotation,
  type CertificateState,
  DEFAULT_ROTATION_POLICY,
  planRotation,
  type RotationPolicy,
} from './certificate-rotation.js';
import { splitPem } from './certificates.js';

/** A Secret as the certificate keeper reads and writes it. */
export interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** Keys of the webhook's Secret: a `kubernetes.io/tls` Secret plus the CA's key and the trust bundle. */
export const SECRET_KEYS = {
  cert: 'tls.crt',
  key: 'tls.key',
  caCert: 'ca.crt',
  caKey: 'ca.key',
  /** Every CA the API server is told to trust, newest first: the `caBundle`. */
  bundle: 'ca-bundle.crt',
} as const;

/** The three calls the keeper makes on its Secret; plain objects in unit tests, the API server otherwise. */
export interface SecretClient {
  /** The Secret, or undefined when there is none. */
  get(): Promise<SecretObject | undefined>;
  /** @throws ApiError 409 when it exists already (another replica created it first). */
  create(secret: SecretObject): Promise<SecretObject>;
  /** Replaces it if its resourceVersion is still the one given. @throws ApiError 409 when it changed. */
  replace(secret: SecretObject): Promise<SecretObject>;
}

/** A {@link SecretClient} for `namespace/name` on the API server. */
export function kubeSecretClient(
  api: ApiClient,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): SecretClient {
  const collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const path = `${collection}/${encodeURIComponent(name)}`;
  return {
    async get() {
      try {
        return await api.request<SecretObject>({ method: 'GET', path, signal });
      } catch (e) {
        if (ApiError.isNotFound(e)) return undefined;
        throw e;
      }
    },
    create: (secret) => api.request<SecretObject>({ method: 'POST', path: collection, body: secret, signal }),
    replace: (secret) => api.request<SecretObject>({ method: 'PUT', path, body: secret, signal }),
  };
}

/** What {@link ensureCertificates} did. */
export interface EnsureResult {
  /** The certificates now in the Secret. */
  readonly state: CertificateState;
  readonly action: 'created' | 'rotated' | 'unchanged';
  /** Why the CA or serving certificate was replaced. */
  readonly reasons: readonly string[];
}

/** Options of {@link ensureCertificates}. */
export interface EnsureOptions {
  readonly namespace: string;
  readonly name: string;
  /** Hosts the serving certificate must name. */
  readonly hosts: readonly string[];
  readonly policy?: RotationPolicy;
  /** Common name of a new CA (before its timestamp). */
  readonly caName: string;
  /** Labels of a Secret created here. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Default `() => new Date()`. */
  readonly now?: () => Date;
  readonly log?: Logger;
}

/** How often a write lost to another replica is retried (each time from a fresh read). */
const MAX_ATTEMPTS = 5;

/**
 * Makes the Secret hold a usable CA and serving certificate, creating or rotating them as
 * {@link planRotation} decides, and returns what it holds.
 *
 * @remarks
 * Every replica runs this against the one Secret. Writes are compare-and-swap: a create that finds
 * the Secret already there (409, another replica was first), or a replace whose resourceVersion is
 * stale (409), reads the Secret again and decides again — usually finding the other replica's
 * certificates good and keeping them. Keys of the Secret that are not the keeper's are kept.
 *
 * @throws ApiError when the Secret cannot be read or written (403: RBAC; see `operon rbac`).
 */
export async function ensureCertificates(
  client: SecretClient,
  options: EnsureOptions,
): Promise<EnsureResult> {
  const now = options.now ?? (() => new Date());
  const policy = options.policy ?? DEFAULT_ROTATION_POLICY;
  for (let attempt = 1; ; attempt++) {
    const live = await client.get();
    const state = live ? stateFromSecret(live) : undefined;
    const at = now();
    const plan = planRotation(state, options.hosts, at, policy);
    const reasons = [plan.newCa, plan.newServing].filter((r): r is string => r !== undefined);
    if (live && state && reasons.length === 0) return { state, action: 'unchanged', reasons };
    const next = await applyRotation(state, plan, {
      hosts: options.hosts,
      now: at,
      policy,
      caName: options.caName,
    });
    try {
      if (!live) {
        await client.create({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: options.name,
            namespace: options.namespace,
            ...(options.labels ? { labels: { ...options.labels } } : {}),
          },
          type: 'kubernetes.io/tls',
          data: secretData(next),
        });
        return { state: next, action: 'created', reasons: reasons.length ? reasons : ['there is no Secret'] };
      }
      await client.replace({ ...live, data: { ...live.data, ...secretData(next) } });
      return { state: next, action: 'rotated', reasons };
    } catch (e) {
      if (!ApiError.isConflict(e) || attempt >= MAX_ATTEMPTS) throw e;
      options.log?.debug(
        { secret: `${options.namespace}/${options.name}`, attempt },
        'another replica wrote the webhook certificates first; reading them again',
      );
    }
  }
}

/** Reads the certificates a Secret holds (missing keys are simply absent). */
export function stateFromSecret(secret: SecretObject): CertificateState {
  const read = (key: string): string | undefined => {
    const v = secret.data?.[key];
    return v ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  };
  const caCert = read(SECRET_KEYS.caCert);
  const caKey = read(SECRET_KEYS.caKey);
  const cert = read(SECRET_KEYS.cert);
  const key = read(SECRET_KEYS.key);
  const bundle = splitPem(read(SECRET_KEYS.bundle) ?? caCert ?? '');
  return {
    ...(caCert && caKey ? { ca: { cert: caCert, key: caKey } } : {}),
    bundle,
    ...(cert && key ? { serving: { cert, key } } : {}),
  };
}

/** The Secret's `data` for a state (base64, as the API server stores it). */
export function secretData(state: CertificateState): Record<string, string> {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return {
    ...(state.serving
      ? { [SECRET_KEYS.cert]: b64(state.serving.cert), [SECRET_KEYS.key]: b64(state.serving.key) }
      : {}),
    ...(state.ca ? { [SECRET_KEYS.caCert]: b64(state.ca.cert), [SECRET_KEYS.caKey]: b64(state.ca.key) } : {}),
    [SECRET_KEYS.bundle]: b64(state.bundle.join('')),
  };
}

/** The `caBundle` to put in the webhook configuration: every trusted CA, PEM, base64. */
export function caBundleOf(state: CertificateState): string {
  return Buffer.from(state.bundle.join(''), 'utf8').toString('base64');
}
