/**
 * Calls `onFirst` on the first of `signals`, and `onRepeat` on any later one; returns a function that
 * removes the handlers.
 *
 * @remarks
 * A handler replaces Node's default of dying at once, which is the point: the first SIGTERM starts a
 * graceful stop. A second signal means the operator (or the kubelet after its grace period, though
 * that one sends SIGKILL) wants out now, so it gets `onRepeat`.
 */
export function onSignals(
  signals: readonly NodeJS.Signals[],
  onFirst: (signal: NodeJS.Signals) => void,
  onRepeat: (signal: NodeJS.Signals) => void,
): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (received) {
      onRepeat(signal);
      return;
    }
    received = true;
    onFirst(signal);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
