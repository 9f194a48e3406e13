/** One sample line of the Prometheus text format. */
export interface Sample {
  /** The series name as written (for histograms: `x_bucket`, `x_sum`, `x_count`). */
  readonly name: string;
  /** The sample's labels by name; empty when the line has none. */
  readonly labels: Readonly<Record<string, string>>;
  /** The sample's value (`+Inf`, `-Inf` and `NaN` included). */
  readonly value: number;
}

/** A metric family: its `# HELP`, `# TYPE` and samples. */
export interface MetricFamily {
  /** The family's name, as in its `# TYPE` line. */
  readonly name: string;
  /** The text of its `# HELP` line; undefined when it has none. */
  readonly help: string | undefined;
  /** The type its `# TYPE` line declares. */
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  /** Its samples, in the order they appear. */
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses and checks Prometheus text exposition format 0.0.4, as a scraper would: syntax of every
 * line, one `# TYPE` per family placed before its samples, families not interleaved, no duplicate
 * series, counters not negative, and for histograms, cumulative buckets whose `+Inf` equals `_count`.
 *
 * @remarks
 * For tests of what an operator exports (Operon's own tests use it on `/metrics`). It checks the
 * rules scrapes fail on; it is not a full implementation of the OpenMetrics grammar.
 *
 * @throws Error naming the line number and what is wrong with it.
 *
 * @example
 * ```ts
 * const families = parsePrometheusText(await (await fetch('http://127.0.0.1:8080/metrics')).text());
 * sampleValue(families, 'controller_runtime_reconcile_total', { controller: 'echo-server', result: 'success' });
 * ```
 */
export function parsePrometheusText(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const lines = text.split('\n');
  const fail = (i: number, why: string): never => {
    throw new Error(`metrics line ${i + 1} (${JSON.stringify(lines[i])}): ${why}`);
  };
  const family = (name: string, i: number): MetricFamily => {
    if (current !== name) {
      if (current !== undefined) closed.add(current);
      if (closed.has(name)) fail(i, `samples of ${name} are not contiguous`);
      current = name;
    }
    let f = families.get(name);
    if (!f) {
      f = { name, help: undefined, type: 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name)) fail(i, `invalid metric name ${name}`);
      const f = family(name, i);
      if (kind === 'HELP') {
        if (f.help !== undefined) fail(i, `second HELP for ${name}`);
        (f as { help: string }).help = rest;
      } else {
        if (!TYPES.has(rest)) fail(i, `unknown type ${rest}`);
        if (f.samples.length > 0) fail(i, `TYPE of ${name} after its samples`);
        (f as { type: string }).type = rest;
      }
      continue;
    }
    const sample = parseSample(line, (why) => fail(i, why));
    const f = family(familyOf(sample.name, families), i);
    const id = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(id)) fail(i, `duplicate series ${id}`);
    seen.add(id);
    if (f.type === 'counter' && sample.value < 0) fail(i, 'negative counter');
    f.samples.push(sample);
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return [...families.values()];
}

/** The value of one series (labels compared exactly), or undefined when it is not there. */
export function sampleValue(
  families: readonly MetricFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) {
        return s.value;
      }
    }
  }
  return undefined;
}

function familyOf(sampleName: string, families: Map<string, MetricFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const t = families.get(base)?.type;
    if (t === 'histogram' || t === 'summary') return base;
  }
  return sampleName;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
  if (!m) return fail('not a sample line');
  const [, name, rawLabels, rawValue] = m;
  const value = parseValue(rawValue);
  if (value === undefined) return fail(`invalid value ${rawValue}`);
  return { name, labels: rawLabels ? parseLabels(rawLabels.slice(1, -1), fail) : {}, value };
}

/** Like Go's `strconv.ParseFloat`, which Prometheus uses: NaN and Inf in any case (prom-client writes `Nan`). */
function parseValue(raw: string): number | undefined {
  const special = /^([-+]?)(nan|inf|infinity)$/i.exec(raw);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return special[1] ? undefined : Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}

function parseLabels(body: string, fail: (why: string) => never): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('=', i);
    if (eq < 0) fail(`label without value in {${body}}`);
    const name = body.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) fail(`invalid label name ${name}`);
    if (name in labels) fail(`label ${name} twice`);
    if (body[eq + 1] !== '"') fail(`label ${name}: value not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      if (j >= body.length) fail(`label ${name}: unterminated value`);
      const ch = body[j];
      if (ch === '"') break;
      if (ch === '\\') {
        const next = body[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else fail(`label ${name}: invalid escape \\${next}`);
        j += 2;
        continue;
      }
      value += ch;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (body[i] === ',') i++;
    else if (i < body.length) fail(`expected "," after label ${name}`);
  }
  return labels;
}

function checkHistogram(f: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  const keyOf = (labels: Readonly<Record<string, string>>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(),
    );
  for (const s of f.samples) {
    const entry = series.get(keyOf(s.labels)) ?? { buckets: [] };
    series.set(keyOf(s.labels), entry);
    if (s.name.endsWith('_bucket')) {
      const le = s.labels.le;
      if (le === undefined) throw new Error(`histogram ${f.name}: a bucket without "le"`);
      entry.buckets.push([parseValue(le) ?? Number.NaN, s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
  }
  for (const [labels, { buckets, count }] of series) {
    const where = `histogram ${f.name}${labels}`;
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < sorted.length; k++) {
      if (sorted[k][1] < sorted[k - 1][1]) throw new Error(`${where}: buckets are not cumulative`);
    }
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Number.POSITIVE_INFINITY) throw new Error(`${where}: no +Inf bucket`);
    if (count !== inf[1]) throw new Error(`${where}: _count ${count} differs from the +Inf bucket ${inf[1]}`);
  }
}
