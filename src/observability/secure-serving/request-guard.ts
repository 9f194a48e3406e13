/** What a {@link RequestGuard} sees of a request. */
export interface GuardedRequest {
  /** The `Authorization` header, if any. */
  readonly authorization: string | undefined;
  /** The HTTP method in lower case: the verb that is authorized (as controller-runtime does). */
  readonly verb: string;
  /** The URL path, without the query. */
  readonly path: string;
}

/** Whether a request may be answered, and if not, the status and message to refuse it with. */
export type GuardDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly status: 401 | 403 | 500; readonly message: string };

/** Decides whether a request to a protected path is answered. */
export type RequestGuard = (request: GuardedRequest) => Promise<GuardDecision>;
