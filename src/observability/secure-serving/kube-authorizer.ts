import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import { ExpiringCache } from './expiring-cache.js';
import type { GuardDecision, GuardedRequest, RequestGuard } from './request-guard.js';

/** One POST to the API server, as {@link ReviewClient} sends it. */
export interface ReviewRequest {
  method: 'POST';
  path: string;
  body: unknown;
  signal?: AbortSignal;
}

/**
 * Sends a review to the API server and returns the parsed answer; throws on any non-2xx answer.
 * Operon's `ApiClient` (the host's `api`) is one.
 */
export interface ReviewClient {
  request<T>(request: ReviewRequest): Promise<T>;
}

/** The user a TokenReview found behind a token. */
export interface ReviewedUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** Options of {@link KubeAuthorizer}. */
export interface KubeAuthorizerOptions {
  /** How long a review's answer is reused. Default 10 s: a revoked grant stops working within it. */
  cacheTtlMs?: number;
  /** Most tokens (and, separately, users) remembered. Default 1024. */
  cacheSize?: number;
  /** Deadline of one review request. Default 10 s (controller-runtime's). */
  timeoutMs?: number;
  /** Where failed reviews (warn) and refusals (debug) are logged. */
  log?: Logger;
  /** Clock of the caches, in milliseconds; for tests. */
  now?: () => number;
}

/** Defaults of {@link KubeAuthorizerOptions}. */
export const KUBE_AUTHORIZER_DEFAULTS = { cacheTtlMs: 10_000, cacheSize: 1024, timeoutMs: 10_000 } as const;

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

interface SubjectAccessReviewStatus {
  allowed?: boolean;
  reason?: string;
  evaluationError?: string;
}

/**
 * Authenticates a request's bearer token with a TokenReview and authorizes its user with a
 * SubjectAccessReview for the request's path and verb, as controller-runtime's
 * `filters.WithAuthenticationAndAuthorization` does for secure metrics.
 *
 * @remarks
 * Answers as controller-runtime does: 401 without a bearer token, with a token the API server does
 * not accept, or when the TokenReview itself fails; 403 when the SubjectAccessReview does not allow
 * the user; 500 when the SubjectAccessReview fails. Both answers are cached (see
 * {@link ExpiringCache}): a scrape every few seconds costs two API requests per
 * {@link KubeAuthorizerOptions.cacheTtlMs}, not two per scrape. Tokens are kept only as SHA-256
 * hashes. The operator's credentials need `create` on `tokenreviews.authentication.k8s.io` and
 * `subjectaccessreviews.authorization.k8s.io`; the scraper's need `get` on the non-resource URL.
 *
 * @example
 * ```ts
 * const authorizer = new KubeAuthorizer(host.api, { log });
 * const server = await serveEndpoints({ port: 8443 }, { metrics }, { tls, guard: authorizer.guard });
 * ```
 */
export class KubeAuthorizer {
  /** {@link KubeAuthorizer.check} as a {@link RequestGuard}. */
  readonly guard: RequestGuard = (request) => this.check(request);
  private readonly users: ExpiringCache<ReviewedUser | undefined>;
  private readonly decisions: ExpiringCache<boolean>;
  private readonly timeoutMs: number;

  constructor(
    private readonly api: ReviewClient,
    private readonly options: KubeAuthorizerOptions = {},
  ) {
    const cache = {
      ttlMs: options.cacheTtlMs ?? KUBE_AUTHORIZER_DEFAULTS.cacheTtlMs,
      maxEntries: options.cacheSize ?? KUBE_AUTHORIZER_DEFAULTS.cacheSize,
      now: options.now,
    };
    this.users = new ExpiringCache(cache);
    this.decisions = new ExpiringCache(cache);
    this.timeoutMs = options.timeoutMs ?? KUBE_AUTHORIZER_DEFAULTS.timeoutMs;
  }

  /** Whether `request` may be answered. Never throws: a failed review is a refusal. */
  async check(request: GuardedRequest): Promise<GuardDecision> {
    const log = this.options.log;
    const token = bearerToken(request.authorization);
    if (!token) return { allowed: false, status: 401, message: 'Unauthorized' };
    let user: ReviewedUser | undefined;
    try {
      user = await this.authenticate(token);
    } catch (err) {
      log?.warn({ err, path: request.path }, 'TokenReview failed; refusing the request');
      return { allowed: false, status: 401, message: 'Authentication failed' };
    }
    if (!user) {
      log?.debug({ path: request.path }, 'refused a request whose token the API server did not accept');
      return { allowed: false, status: 401, message: 'Unauthorized' };
    }
    let allowed: boolean;
    try {
      allowed = await this.authorize(user, request.verb, request.path);
    } catch (err) {
      log?.warn({ err, user: user.username, path: request.path }, 'SubjectAccessReview failed');
      return { allowed: false, status: 500, message: `Authorization for user ${user.username} failed` };
    }
    if (!allowed) {
      log?.debug({ user: user.username, verb: request.verb, path: request.path }, 'refused: not authorized');
      return { allowed: false, status: 403, message: `Authorization denied for user ${user.username}` };
    }
    return { allowed: true };
  }

  /** The user behind `token`, or undefined when the API server does not accept it (cached). */
  authenticate(token: string): Promise<ReviewedUser | undefined> {
    const key = createHash('sha256').update(token).digest('base64');
    return this.users.get(key, async () => {
      const review = await this.api.request<{ status?: TokenReviewStatus }>({
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/tokenreviews',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const s = review.status;
      if (!s?.authenticated || !s.user?.username) return undefined;
      return { username: s.user.username, uid: s.user.uid, groups: s.user.groups, extra: s.user.extra };
    });
  }

  /** Whether `user` may use `verb` on the non-resource URL `path` (cached). */
  authorize(user: ReviewedUser, verb: string, path: string): Promise<boolean> {
    const key = JSON.stringify([user.username, user.uid, user.groups, user.extra, verb, path]);
    return this.decisions.get(key, async () => {
      const review = await this.api.request<{ status?: SubjectAccessReviewStatus }>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            ...(user.uid ? { uid: user.uid } : {}),
            ...(user.groups ? { groups: user.groups } : {}),
            ...(user.extra ? { extra: user.extra } : {}),
            nonResourceAttributes: { path, verb },
          },
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return review.status?.allowed === true;
    });
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const [scheme, token, ...rest] = (header ?? '').trim().split(/\s+/);
  if (scheme?.toLowerCase() !== 'bearer' || !token || rest.length > 0) return undefined;
  return token;
}
