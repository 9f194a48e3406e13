import { OperonError } from '../../errors/operon-error.js';

/** The JSON `Status` the API server sends with a failure. */
export interface ApiStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { field?: string; message?: string }[] };
}

/**
 * A request the API server refused, or could not be reached for.
 *
 * @remarks
 * `code` is the HTTP status (0 when the server was unreachable). `retryable` is false for the
 * errors that a retry cannot fix without a change elsewhere (400, 404, 409 conflicts on create, 422),
 * but 403 is retryable: RBAC may be granted later.
 */
export class ApiError extends OperonError {
  constructor(
    readonly status: number,
    readonly verb: string,
    readonly path: string,
    readonly body: ApiStatus | undefined,
    options?: ErrorOptions,
  ) {
    super('API_ERROR', ApiError.describe(status, verb, path, body, options?.cause), options);
  }

  /** Machine-readable reason from the API server (`NotFound`, `AlreadyExists`, `Forbidden`, …). */
  get reason(): string | undefined {
    return this.body?.reason;
  }

  get retryable(): boolean {
    return !(this.status === 400 || this.status === 404 || this.status === 422);
  }

  static isNotFound(e: unknown): boolean {
    return e instanceof ApiError && e.status === 404;
  }
  static isConflict(e: unknown): boolean {
    return e instanceof ApiError && e.status === 409;
  }
  static isAlreadyExists(e: unknown): boolean {
    return e instanceof ApiError && e.status === 409 && e.reason === 'AlreadyExists';
  }
  /** 422: the request itself is refused (invalid object, a JSON Patch `test` that failed). */
  static isInvalid(e: unknown): boolean {
    return e instanceof ApiError && e.status === 422;
  }
  static isForbidden(e: unknown): boolean {
    return e instanceof ApiError && e.status === 403;
  }
  static isGone(e: unknown): boolean {
    return e instanceof ApiError && e.status === 410;
  }

  private static describe(
    status: number,
    verb: string,
    path: string,
    body: ApiStatus | undefined,
    cause: unknown,
  ): string {
    if (status === 0) {
      const why = cause instanceof Error ? cause.message : String(cause);
      return `Cannot reach the Kubernetes API server for ${verb} ${path}: ${why}. Is the cluster running, and does the kubeconfig point at it?`;
    }
    const msg = body?.message?.trim() || `HTTP ${status}`;
    if (status === 403) {
      return `Forbidden: ${verb} ${path}: ${msg}. Grant this verb on this resource to the operator's ServiceAccount (see \`operon rbac\`).`;
    }
    if (status === 401) {
      return `Unauthorized: ${verb} ${path}. The kubeconfig's credentials were rejected; refresh the token or certificate.`;
    }
    return `${verb} ${path} failed with ${status}${body?.reason ? ` ${body.reason}` : ''}: ${msg}`;
  }
}
