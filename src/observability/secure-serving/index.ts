/**
 * @packageDocumentation
 * Serving `/metrics` the way controller-runtime's secure metrics server does: HTTPS (a certificate
 * from files, watched for rotation, or a self-signed one), each request's bearer token checked with a
 * TokenReview and its user authorized with a SubjectAccessReview.
 */
export {
  type CertificateFiles,
  checkKeyPair,
  fingerprint,
  type KeyPair,
  readKeyPair,
  type SelfSignedOptions,
  selfSignedKeyPair,
} from './certificate.js';
export { type WatchKeyPairOptions, watchKeyPair } from './certificate-watcher.js';
export { ExpiringCache, type ExpiringCacheOptions } from './expiring-cache.js';
export {
  bearerToken,
  KUBE_AUTHORIZER_DEFAULTS,
  KubeAuthorizer,
  type KubeAuthorizerOptions,
  type ReviewClient,
  type ReviewedUser,
  type ReviewRequest,
} from './kube-authorizer.js';
export type { GuardDecision, GuardedRequest, RequestGuard } from './request-guard.js';
