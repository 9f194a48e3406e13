import { inspect } from 'node:util';

/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** Give up after this many ms (default 30 000). */
  timeoutMs?: number;
  /** Wait this long between checks, in ms (default 200). */
  intervalMs?: number;
  /** What is awaited, for the timeout message: `'the Pods to be Ready'`. */
  what?: string;
}

/**
 * Calls `check` until it returns something other than `undefined` or `false` and resolves with
 * that value; a `check` that throws (an `assert` that fails, a 404) is simply tried again.
 *
 * @remarks
 * Operators converge asynchronously, so a test of one waits for what it expects rather than for a
 * fixed time. At the timeout it rejects with an error that says what it waited for and why the last
 * check failed: the last error's message (also kept as `cause`), or the last value returned. Works
 * with any test runner (node:test, vitest, jest); keep the runner's own per-test timeout above
 * `timeoutMs`.
 *
 * @example
 * ```ts
 * const svc = await eventually(() => op.get(`/api/v1/namespaces/${op.namespace}/services/web`), {
 *   what: 'the Service web',
 * });
 * await eventually(
 *   async () => {
 *     const echo = await op.get<EchoServer>(echoServer);
 *     assert.equal(echo.status?.readyPods, 2); // a failing assert is retried; its message ends up in the timeout error
 *     return true;
 *   },
 *   { what: 'two ready Pods', timeoutMs: 60_000 },
 * );
 * ```
 *
 * @throws Error `timed out after <timeoutMs> ms waiting for <what>: <last error>` at the timeout.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let last: { error: unknown } | { value: unknown } = { value: undefined };
  for (;;) {
    attempts++;
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = { value: v };
    } catch (e) {
      last = { error: e };
    }
    if (Date.now() >= deadline) {
      const why =
        'error' in last
          ? `; the last check failed: ${last.error instanceof Error ? last.error.message : inspect(last.error)}`
          : `; the last check returned ${String(last.value)}`;
      throw new Error(
        `timed out after ${timeoutMs} ms (${attempts} checks) waiting for ${options.what ?? 'the condition'}${why}`,
        'error' in last ? { cause: last.error } : undefined,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
