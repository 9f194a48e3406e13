import { DeadlineSignal } from '../api/deadline-signal.js';

/** Default of a reconcile pass's deadline: generous, since sync may call slow external systems. */
export const DEFAULT_RECONCILE_TIMEOUT_MS = 60_000;

/** Why a pass's signal fired. */
export type PassAbort = 'deadline' | 'shutdown';

/** The signal of one pass, and how to release its timer when the pass ends. */
export interface PassSignal {
  readonly signal: AbortSignal;
  /** Clears the deadline timer; call when the pass ends, however it ends. */
  dispose(): void;
}

/**
 * The signal of one reconcile pass: it fires at the pass's deadline, or when `shutdown` fires (the
 * queue gave up waiting for in-flight work). It reaches `sync` (`req.signal`) and every API request
 * of the pass (DESIGN rule 9).
 *
 * @remarks
 * A {@link DeadlineSignal} that keeps the process alive: a process with nothing but a hung pass must
 * fail it, not exit. `shutdown` gets one listener per pass in flight, so its owner lifts the
 * listener limit (the work queue does).
 */
export function passSignal(shutdown: AbortSignal | undefined, timeoutMs: number): PassSignal {
  const pass = new DeadlineSignal(
    {
      timeoutMs,
      reason: () => new DOMException(`deadline of ${timeoutMs} ms`, 'TimeoutError'),
      keepsProcessAlive: true,
    },
    shutdown,
  );
  return { signal: pass.signal, dispose: () => pass.dispose() };
}

/** Why `signal` fired, or undefined while it has not. */
export function abortCause(signal: AbortSignal): PassAbort | undefined {
  if (!signal.aborted) return undefined;
  return (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError' ? 'deadline' : 'shutdown';
}

/** Thrown in place of the result of work the pass stopped waiting for. */
export class PassAborted extends Error {
  constructor(readonly why: PassAbort) {
    super(why === 'deadline' ? 'the reconcile deadline passed' : 'the operator is shutting down');
    this.name = 'PassAborted';
  }
}

/**
 * Waits for `work`, but no longer than `signal` allows: an author's `sync` that never returns
 * must not hold a worker forever. The work itself cannot be killed (JavaScript has no way to); it
 * is told through the same signal and its result, whenever it comes, is ignored.
 */
export function untilAborted<T>(work: Promise<T> | T, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new PassAborted(abortCause(signal) ?? 'shutdown'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new PassAborted(abortCause(signal) ?? 'shutdown'));
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(work).then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
