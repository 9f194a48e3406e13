import { type Logger, silentLogger } from '../observability/logger.js';
import type { ApiClient } from '../runtime/api/api-client.js';
import {
  type AdmissionServer,
  type ConversionHandler,
  type ReviewHandler,
  serveAdmission,
} from './admission-server.js';
import { type CertificateState, nextRenewal } from './certificate-rotation.js';
import { caBundleOf, ensureCertificates, kubeSecretClient } from './certificate-secret.js';
import { inspectCertificate } from './certificates.js';
import { conversionWebhookPath, convertReview, crdNameOf, parentConversions } from './conversion.js';
import { type CrdWebhookConversion, crdConversion, syncCrdConversion } from './crd-conversion.js';
import { admitParent } from './spec-admission.js';
import {
  parentAdmissions,
  syncWebhookConfiguration,
  type ValidatingWebhookConfiguration,
  validatingWebhookConfiguration,
  validatingWebhookPath,
  type WebhookDeclaration,
} from './webhook-configuration.js';
import { type ResolvedWebhook, resolveWebhookOptions, type WebhookOptions } from './webhook-options.js';

/** First retry of a failed check, in ms; it doubles up to the check interval. */
const RETRY_MS = 5_000;

/**
 * The operator's webhooks: an HTTPS server that judges every CREATE and UPDATE of each parent with
 * the operator's own class-validator rules and converts parents with several versions between them,
 * plus the upkeep it needs — the certificates in a Secret, the ValidatingWebhookConfiguration and the
 * CRDs' `spec.conversion` that point the API server at it.
 *
 * @remarks
 * Started by {@link OperonHost.start} whatever the leader election says: admission and conversion are
 * answered by every replica (the Service spreads calls over them), only reconciling waits for the Lease.
 *
 * Every check (at start, then every `checkIntervalMs`, sooner when a certificate is due for renewal,
 * and retried with backoff after a failure): {@link ensureCertificates} reads the shared Secret and
 * creates or rotates the CA and serving certificate in it (compare-and-swap, so replicas agree);
 * the server switches to the Secret's serving certificate when it changed; and the configuration is
 * created or patched when it differs from what this operator wants ({@link syncWebhookConfiguration}),
 * `caBundle` included, and so is each converted CRD's `spec.conversion` ({@link syncCrdConversion}). Failing to reach the configuration is logged and retried, not fatal: the
 * operator still reconciles, and says what is wrong.
 */
export class AdmissionWebhook {
  /** The options with their defaults. */
  readonly settings: ResolvedWebhook;
  private readonly log: Logger;
  private readonly routes: Map<string, ReviewHandler>;
  private readonly conversions: Map<string, ConversionHandler>;
  private readonly converted: ReturnType<typeof parentConversions>;
  private server: AdmissionServer | undefined;
  private serving: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private failures = 0;
  private readonly abort = new AbortController();

  /** @throws ConfigError when the options are invalid, listing every problem. */
  constructor(
    private readonly operators: readonly WebhookDeclaration[],
    private readonly api: ApiClient,
    options: WebhookOptions,
    context: {
      readonly namespaces?: readonly string[];
      readonly log?: Logger;
      readonly env?: NodeJS.ProcessEnv;
    } = {},
  ) {
    this.settings = resolveWebhookOptions(options, {
      operators,
      namespaces: context.namespaces,
      env: context.env,
    });
    this.log = context.log ?? silentLogger();
    this.routes = new Map(
      parentAdmissions(operators).map((admission) => [
        validatingWebhookPath(admission.type),
        (request) => admitParent(admission, request),
      ]),
    );
    this.converted = parentConversions(operators);
    this.conversions = new Map(
      this.converted.map((type) => [conversionWebhookPath(type), (request) => convertReview(type, request)]),
    );
  }

  /** `https://address:port` of the server, once started. */
  get url(): string | undefined {
    return this.server?.url;
  }

  /** The port bound, once started. */
  get port(): number | undefined {
    return this.server?.port;
  }

  /** Admission reviews this replica answered so far. */
  get reviews(): number {
    return this.server?.reviews ?? 0;
  }

  /** ConversionReviews this replica answered so far. */
  get conversionReviews(): number {
    return this.server?.conversions ?? 0;
  }

  /** `spec.conversion` of each converted CRD (by name), with `caBundle` when known. */
  crdConversions(caBundle?: string): Map<string, CrdWebhookConversion> {
    return new Map(
      this.converted.map((type) => [crdNameOf(type), crdConversion(type, this.settings.client, caBundle)]),
    );
  }

  /** The ValidatingWebhookConfiguration this operator keeps, with `caBundle` when known. */
  configuration(caBundle?: string): ValidatingWebhookConfiguration {
    const s = this.settings;
    return validatingWebhookConfiguration(this.operators, {
      name: s.name,
      client: s.client,
      failurePolicy: s.failurePolicy,
      namespaces: s.namespaces,
      timeoutSeconds: s.timeoutSeconds,
      caBundle,
    });
  }

  /**
   * Makes sure the certificates exist, starts serving, then brings the configuration up to date.
   *
   * @throws when the certificates cannot be read or written (RBAC on the Secret), or the port is taken.
   */
  async start(): Promise<void> {
    const state = await this.certificates();
    if (!state.serving) throw new Error('the certificate Secret has no serving certificate');
    this.server = await serveAdmission({
      listen: this.settings.listen,
      tls: state.serving,
      routes: this.routes,
      conversions: this.conversions,
      handlerTimeoutMs: this.settings.timeoutSeconds * 1000,
      log: this.log,
    });
    if (this.abort.signal.aborted) {
      // Stopped while starting: a server opened after stop() would keep the process alive.
      await this.server.close();
      this.server = undefined;
      throw this.abort.signal.reason;
    }
    this.serving = state.serving.cert;
    this.log.info(
      {
        url: this.server.url,
        paths: [...this.routes.keys(), ...this.conversions.keys()],
        configuration: this.settings.name,
        failurePolicy: this.settings.failurePolicy,
        secret: `${this.settings.namespace}/${this.settings.secretName}`,
        certificate: inspectCertificate(state.serving.cert).fingerprint,
      },
      this.routes.size ? 'serving the validating webhook' : 'serving the conversion webhook',
    );
    await this.configure(state).then(
      () => {
        this.failures = 0;
      },
      (err: unknown) => this.failed(err),
    );
    this.schedule(state);
  }

  /** Stops the checks and the server. Idempotent. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('the webhook is stopping'));
    clearTimeout(this.timer);
    await this.checking?.catch(() => undefined);
    await this.server?.close();
    this.server = undefined;
  }

  /** One check, as the timer runs it: certificates, served certificate, configuration. */
  async check(): Promise<CertificateState> {
    const state = await this.certificates();
    if (state.serving && state.serving.cert !== this.serving && this.server) {
      this.server.setCertificate(state.serving);
      this.serving = state.serving.cert;
      this.log.info(
        { certificate: inspectCertificate(state.serving.cert).fingerprint },
        'serving the rotated webhook certificate',
      );
    }
    await this.configure(state);
    return state;
  }

  private async certificates(): Promise<CertificateState> {
    const s = this.settings;
    const result = await ensureCertificates(
      kubeSecretClient(this.api, s.namespace, s.secretName, this.abort.signal),
      {
        namespace: s.namespace,
        name: s.secretName,
        hosts: s.hosts,
        policy: s.policy,
        caName: `${s.name}-webhook-ca`,
        labels: { 'app.kubernetes.io/name': s.name, 'app.kubernetes.io/managed-by': 'operon' },
        log: this.log,
      },
    );
    if (result.action !== 'unchanged') {
      this.log.info(
        { secret: `${s.namespace}/${s.secretName}`, action: result.action, reasons: result.reasons },
        'wrote the webhook certificates',
      );
    }
    return result.state;
  }

  private async configure(state: CertificateState): Promise<void> {
    const caBundle = caBundleOf(state);
    // Conversion first: until a CRD trusts this CA, reading its other versions (and the informer's
    // list, when the stored version is not the operator's) fails.
    for (const [crd, conversion] of this.crdConversions(caBundle)) {
      const outcome = await syncCrdConversion(this.api, crd, conversion, this.abort.signal);
      if (outcome !== 'unchanged') this.log.info({ crd, outcome }, "updated the CRD's conversion webhook");
    }
    if (this.routes.size === 0) return;
    const outcome = await syncWebhookConfiguration(this.api, this.configuration(caBundle), this.abort.signal);
    if (outcome !== 'unchanged')
      this.log.info(
        { configuration: this.settings.name, outcome },
        'updated the ValidatingWebhookConfiguration',
      );
  }

  private schedule(state: CertificateState | undefined): void {
    if (this.abort.signal.aborted) return;
    const interval = this.settings.checkIntervalMs;
    let delay = this.failures > 0 ? Math.min(RETRY_MS * 2 ** (this.failures - 1), interval) : interval;
    const renewal = state ? nextRenewal(state, this.settings.policy) : undefined;
    // Short lifetimes (tests, a cautious policy) are renewed on time, not at the next regular check.
    if (renewal) delay = Math.min(delay, Math.max(1_000, renewal.getTime() - Date.now() + 1_000));
    this.timer = setTimeout(() => {
      this.checking = this.run();
    }, delay);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    let state: CertificateState | undefined;
    try {
      state = await this.check();
      this.failures = 0;
    } catch (err) {
      if (this.abort.signal.aborted) return;
      this.failed(err);
    }
    this.schedule(state);
  }

  private failed(err: unknown): void {
    if (this.abort.signal.aborted) return; // cancelled by stop(), not a failure
    this.failures++;
    this.log.error(
      {
        err,
        configuration: this.settings.name,
        secret: `${this.settings.namespace}/${this.settings.secretName}`,
      },
      'the webhook could not bring its certificates, configuration or CRDs up to date; retrying',
    );
  }
}
