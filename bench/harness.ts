// Shared pieces of the benchmarks: what a benchmark module hands back to bench/run.ts, the machine
// it ran on, and summary statistics. Not a benchmark itself (it exports no `run`).
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';

/** What a benchmark's `run()` returns; bench/run.ts prints `markdown` and may write it to a file. */
export interface BenchResult {
  /** File-name-safe name (`recovery`), used for `bench/results/<name>.md`. */
  name: string;
  /** The result as Markdown: machine, method, table. */
  markdown: string;
}

/** The machine a benchmark ran on, as one Markdown list. */
export function machine(): string {
  let cpu = 'unknown CPU';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpu = line.split(':').slice(1).join(':').trim();
  } catch {
    // Not Linux: the model stays unknown, the rest is still worth printing.
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return [
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    `- CPU: ${cpu}, nproc ${availableParallelism()}`,
    `- Node ${process.version}, ${process.platform} ${release()}`,
    `- load average at start: ${load} (the machine is shared with other work)`,
  ].join('\n');
}

/** Median, minimum and maximum of a non-empty sample. */
export function summary(values: readonly number[]): { median: number; min: number; max: number } {
  if (values.length === 0) throw new Error('summary of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** A Markdown table; cells are printed as given. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** 1234.5 → "1.23 s"; -80 → "-0.08 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Runs `fn(0)` … `fn(n - 1)` with at most `inFlight` running at once (the drivers' request pools). */
export async function pool(n: number, inFlight: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}
