/** The result of one named check. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed (or a short note when it passed). */
  readonly message?: string;
}

/** Checks behind one probe (`/healthz` or `/readyz`); `ok` only when every check passed. */
export interface HealthReport {
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

/** Builds a report from its checks. */
export function report(checks: readonly CheckResult[]): HealthReport {
  return { ok: checks.every((c) => c.ok), checks };
}

/**
 * Formats a report the way Kubernetes components answer `?verbose`: one `[+]name ok` or
 * `[-]name failed: reason` line per check, then `<probe> check passed|failed`.
 *
 * @remarks
 * Without `verbose`, a passing report is just `ok` (what the kubelet and most load balancers
 * expect); a failing one always lists its checks, so `kubectl describe pod` shows why.
 */
export function formatReport(probe: string, r: HealthReport, verbose: boolean): string {
  if (r.ok && !verbose) return 'ok\n';
  const lines = r.checks.map((c) =>
    c.ok
      ? `[+]${c.name} ok${c.message ? `: ${c.message}` : ''}`
      : `[-]${c.name} failed: ${c.message ?? 'reason withheld'}`,
  );
  lines.push(`${probe} check ${r.ok ? 'passed' : 'failed'}`);
  return `${lines.join('\n')}\n`;
}
