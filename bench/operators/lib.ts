// Helpers of the operators benchmark (bench/operators.ts): the API server's request counters,
// per-process CPU and memory from /proc, and an SVG bar chart. Not a benchmark itself.
import { readdirSync, readFileSync } from 'node:fs';
import type { ApiClient } from '../../src/runtime/api/api-client.js';

/** `apiserver_request_total` summed by "VERB resource[/subresource]", Lease requests left out. */
export type RequestCounts = Map<string, number>;

/** The API server's own /metrics, as text. */
export async function scrapeMetrics(api: ApiClient): Promise<string> {
  const res = await api.stream({ path: '/metrics' });
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function labelsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]] = m[2];
  return out;
}

/** Request counts by verb and resource from a /metrics text (WATCH and Lease requests excluded). */
export function requestCounts(metrics: string): RequestCounts {
  const counts: RequestCounts = new Map();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const close = line.lastIndexOf('}');
    const l = labelsOf(line.slice('apiserver_request_total{'.length, close));
    const value = Number(line.slice(close + 1).trim());
    if (!l.verb || l.verb === 'WATCH' || l.resource === 'leases' || !l.resource) continue;
    const key = `${l.verb} ${l.resource}${l.subresource ? `/${l.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

/** Watches open at the API server (`apiserver_longrunning_requests{verb="WATCH"}`, summed). */
export function watchesOpen(metrics: string): number {
  let n = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{')) continue;
    const close = line.lastIndexOf('}');
    if (labelsOf(line.slice(0, close)).verb !== 'WATCH') continue;
    n += Number(line.slice(close + 1).trim());
  }
  return n;
}

/** after − before, per key; keys whose delta is 0 are left out. */
export function diffCounts(
  after: RequestCounts,
  before: RequestCounts,
  minus?: RequestCounts,
): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0) - (minus?.get(k) ?? 0);
    if (d !== 0) out.set(k, d);
  }
  return out;
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION']);

/** Total, writes and reads (GET/LIST) of a delta. */
export function totals(counts: RequestCounts): { total: number; writes: number; reads: number } {
  let writes = 0;
  let reads = 0;
  for (const [k, v] of counts) {
    if (WRITE_VERBS.has(k.split(' ')[0])) writes += v;
    else reads += v;
  }
  return { total: writes + reads, writes, reads };
}

const CLK_TCK = 100; // Linux USER_HZ on every common architecture

/** utime + stime of a process, in seconds; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds the whole machine has been busy (all cores: user, nice, system, irq, softirq, steal from
 * /proc/stat); NaN when unreadable. Minus the measured processes over a phase, it is the work of
 * everything else on a shared machine that competed with the phase for its cores.
 */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]; // "cpu  user nice system idle iowait irq softirq steal ..."
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** VmRSS of a process in MiB; NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The control plane's processes (by binary name) whose command line mentions its folder. */
export function controlPlanePids(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!args.some((a) => a.includes(dir))) continue;
    const name = args[0].split('/').pop() ?? args[0];
    if (['kube-apiserver', 'etcd', 'kube-controller-manager'].includes(name)) out.set(name, Number(pid));
  }
  return out;
}

/** A grouped horizontal bar chart as SVG text: one group per system, one bar per series. */
export function barChart(
  title: string,
  unit: string,
  groups: readonly string[],
  series: readonly { name: string; values: readonly number[] }[],
): string {
  const colors = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759'];
  const barH = 16;
  const gap = 10;
  const left = 230;
  const plotW = 480;
  const top = 50;
  const groupH = series.length * barH + gap;
  const height = top + groups.length * groupH + 40;
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  series.forEach((s, i) => {
    const x = left + i * 150;
    parts.push(`<rect x="${x}" y="30" width="12" height="12" fill="${colors[i % colors.length]}"/>`);
    parts.push(`<text x="${x + 16}" y="40">${esc(s.name)} (${esc(unit)})</text>`);
  });
  groups.forEach((g, gi) => {
    const y0 = top + gi * groupH;
    parts.push(
      `<text x="${left - 8}" y="${y0 + (series.length * barH) / 2 + 4}" text-anchor="end">${esc(g)}</text>`,
    );
    series.forEach((s, si) => {
      const v = s.values[gi];
      const w = Number.isFinite(v) ? (v / max) * plotW : 0;
      const y = y0 + si * barH;
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${colors[si % colors.length]}"/>`,
      );
      parts.push(
        `<text x="${(left + w + 4).toFixed(1)}" y="${y + barH - 4}">${Number.isFinite(v) ? v.toFixed(2) : 'n/a'}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** SVG documents (such as {@link barChart}'s) stacked top to bottom into one. */
export function stackSvg(parts: readonly string[], title: string): string {
  const size = (svg: string, attr: string): number =>
    Number(new RegExp(`<svg[^>]* ${attr}="([\\d.]+)"`).exec(svg)?.[1] ?? 0);
  const width = Math.max(...parts.map((p) => size(p, 'width')));
  let y = 0;
  const nested = parts.map((p) => {
    const out = p.trim().replace('<svg ', `<svg x="0" y="${y}" `);
    y += size(p, 'height');
    return out;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}">`,
    `<title>${title}</title>`,
    '<rect width="100%" height="100%" fill="white"/>',
    ...nested,
    '</svg>',
    '',
  ].join('\n');
}
