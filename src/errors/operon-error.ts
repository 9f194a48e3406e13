const BRAND = Symbol.for('operon.OperonError');

/** Stable codes for every error Operon raises; branch on these, not on messages. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'API_ERROR'
  | 'SYNC_FAILED'
  | 'SYNC_RESPONSE_INVALID'
  | 'SPEC_INVALID'
  | 'NAME_CONFLICT'
  | 'CONTROL_PLANE'
  /** No kubeconfig was given and none was found (in-cluster, `KUBECONFIG`, `~/.kube/config`), or it names no cluster. */
  | 'NO_CLUSTER'
  | 'NOT_STARTED'
  | 'STALE_CACHE'
  /** A `@Related` select threw or returned a selection Operon cannot use (test kit; at run time the reason `InvalidRelatedSelection`). */
  | 'RELATED_SELECTION_INVALID';

/**
 * Base of every error Operon throws. Messages say what happened, the likely cause, and the fix.
 *
 * @remarks
 * `OperonError.is()` works across duplicate installs of Operon (it checks a global symbol brand,
 * not `instanceof`).
 */
export class OperonError extends Error {
  /** The brand {@link OperonError.is} checks: a global symbol, so it holds across copies of Operon. */
  readonly [BRAND] = true;
  constructor(
    /** What kind of failure this is; stable across releases, unlike the message. */
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Whether `value` is an OperonError (any subclass included), also one from another copy of Operon. */
  static is(value: unknown): value is OperonError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Whether `value` is an OperonError with the given {@link ErrorCode}, also one from another copy of Operon. */
  static hasCode(value: unknown, code: ErrorCode): value is OperonError {
    return OperonError.is(value) && value.code === code;
  }
}

/** Mistakes in operator declarations, all found at once at start-up. */
export class ConfigError extends OperonError {
  /** @param problems - every problem found, one line each; the message lists them all. */
  constructor(
    /** Every problem found, one line each; the message lists them all. */
    readonly problems: readonly string[],
  ) {
    super(
      'CONFIG_INVALID',
      `Operon cannot start: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the operator configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}
