/**
 * @packageDocumentation
 * The optional webhooks: the validating admission webhook (the operators' own class-validator rules,
 * run by the API server before a parent is stored) and the CRD conversion webhook (between the
 * versions of a parent), served by the operator process over HTTPS with certificates it manages
 * itself (a CA and serving certificate in a Secret, rotated before expiry, the `caBundle` of the
 * ValidatingWebhookConfiguration and of the CRDs kept current). Turned on with `HostOptions.webhook`.
 */
export {
  ADMISSION_REVIEW_API_VERSION,
  type AdmissionOperation,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReviewResponse,
  type AdmissionStatus,
  admissionReviewResponse,
  type GroupVersionKind,
  type GroupVersionResource,
  MalformedReviewError,
  parseAdmissionReview,
  reviewRequest,
} from './admission-review.js';
export {
  type AdmissionServer,
  type AdmissionServerOptions,
  type ConversionHandler,
  MAX_CONVERSION_BYTES,
  MAX_REVIEW_BYTES,
  type ReviewHandler,
  serveAdmission,
} from './admission-server.js';
export { AdmissionWebhook } from './admission-webhook.js';
export {
  applyRotation,
  type CertificateState,
  DEFAULT_ROTATION_POLICY,
  type IssueOptions,
  nextRenewal,
  planRotation,
  type RotationPlan,
  type RotationPolicy,
} from './certificate-rotation.js';
export {
  caBundleOf,
  type EnsureOptions,
  type EnsureResult,
  ensureCertificates,
  kubeSecretClient,
  SECRET_KEYS,
  type SecretClient,
  type SecretObject,
  secretData,
  stateFromSecret,
} from './certificate-secret.js';
export {
  type CaParams,
  type CertificateInfo,
  inspectCertificate,
  issueCa,
  issuedBy,
  issueServingCertificate,
  matchesKey,
  normaliseHost,
  type ServingParams,
  splitPem,
} from './certificates.js';
export {
  ConversionError,
  type ConvertibleType,
  conversionWebhookPath,
  convertCustomObject,
  convertReview,
  crdNameOf,
  parentConversions,
} from './conversion.js';
export {
  CONVERSION_REVIEW_API_VERSION,
  type ConversionRequest,
  type ConversionResponse,
  type ConversionReviewResponse,
  conversionReviewResponse,
  parseConversionReview,
} from './conversion-review.js';
export {
  CRDS_PATH,
  type CrdWebhookConversion,
  crdConversion,
  crdConversionPatch,
  syncCrdConversion,
} from './crd-conversion.js';
export { admitParent, type ParentAdmission, sameJson } from './spec-admission.js';
export {
  type FailurePolicy,
  parentAdmissions,
  syncWebhookConfiguration,
  type ValidatingWebhook,
  type ValidatingWebhookConfiguration,
  validatingWebhookConfiguration,
  validatingWebhookName,
  validatingWebhookPath,
  WEBHOOK_CONFIGURATIONS_PATH,
  WEBHOOK_PORT,
  type WebhookClient,
  type WebhookConfigurationOptions,
  type WebhookDeclaration,
  webhookClientConfig,
  webhookConfigurationPatch,
} from './webhook-configuration.js';
export {
  hasWebhooks,
  type ManifestWebhookOptions,
  manifestWebhookClient,
  type WebhookManifestContext,
  webhookManifests,
  webhookRunArgs,
  webhookSecretName,
  webhookServiceName,
  withWebhook,
} from './webhook-manifests.js';
export {
  DEFAULT_CHECK_INTERVAL_MS,
  type ResolvedWebhook,
  resolveWebhookOptions,
  type WebhookOptions,
} from './webhook-options.js';
