import { OperonError } from '../errors/operon-error.js';

/** The command line itself is wrong (a bad option value, an entry file that does not exist): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes of the `operon` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * The exit code and message for an error that ended a command: 2 for usage errors, 1 for the rest
 * (a module that fails to load, no operators, a `ConfigError`, the API server refusing a request).
 */
export function describeFailure(e: unknown): { code: number; message: string } {
  if (e instanceof UsageError) return { code: EXIT.usage, message: e.message };
  if (OperonError.is(e) || e instanceof Error) return { code: EXIT.failure, message: e.message };
  return { code: EXIT.failure, message: String(e) };
}
