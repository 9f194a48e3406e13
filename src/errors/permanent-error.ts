const BRAND = Symbol.for('operon.PermanentError');

/** What a condition's `reason` may be (metav1.Condition): CamelCase letters, digits, `_`, `,`, `:`. */
const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** Options of a {@link PermanentError}. */
export interface PermanentErrorOptions extends ErrorOptions {
  /**
   * The `Synced` condition's reason (default `PermanentError`), so that `kubectl get` and alerts can
   * tell this failure from others: CamelCase, e.g. `BucketNameTaken`.
   */
  reason?: string;
}

/**
 * Thrown from `sync` or `finalize` to say that retrying cannot help: the parent as it is now can
 * never succeed (a name taken for good in an external system, a plan the account does not allow).
 *
 * @remarks
 * Operon reports it like any failure (`Synced=False` with {@link PermanentError.reason}, a Warning
 * Event, nothing changed) but does not retry the parent with backoff, nor on its periodic resync:
 * the next pass comes when the parent or one of its children changes. Any other error is retried,
 * as controller-runtime retries everything but a `TerminalError`.
 *
 * @example
 * ```ts
 * if (await names.taken(spec.bucket, { signal: req.signal }))
 *   throw new PermanentError(`bucket "${spec.bucket}" belongs to another account; choose another name`, {
 *     reason: 'BucketNameTaken',
 *   });
 * ```
 */
export class PermanentError extends Error {
  /** The brand {@link PermanentError.is} checks: a global symbol, so it holds across copies of Operon. */
  readonly [BRAND] = true;
  /** The `Synced` condition's reason. */
  readonly reason: string;

  /** @throws TypeError when `options.reason` is not a valid condition reason. */
  constructor(message: string, options: PermanentErrorOptions = {}) {
    super(message, options);
    this.name = new.target.name;
    const reason = options.reason ?? 'PermanentError';
    if (!CONDITION_REASON.test(reason) || reason.length > 1024) {
      throw new TypeError(
        `PermanentError reason ${JSON.stringify(reason)} is not a valid condition reason: use CamelCase letters and digits (also _ , :), starting with a letter, e.g. "BucketNameTaken".`,
      );
    }
    this.reason = reason;
  }

  /** Whether `value` is a PermanentError, also one from another copy of Operon. */
  static is(value: unknown): value is PermanentError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
