import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { OperonError } from '../../errors/operon-error.js';
import type { KubeObject } from '../../types/kube-object.js';
import type { JsonObject } from '../../types/sync.js';
import { canonicalJson, isRecord, shortSha256, toJson } from '../planner/json.js';
import { NO_RULES, type RedactOptions, type RedactRules, redactObject } from './redact.js';

/** The `format` of a fixture file; another version is refused rather than misread. */
export const FIXTURE_FORMAT = 'operon.dev/sync-fixture/v1';

/** Hex digits of the request hash in a fixture's file name. */
const HASH_LENGTH = 10;

/**
 * Annotation `kubectl apply` fills with a copy of the whole object: noise in a fixture, and for a
 * Secret it would carry the very data redaction hides.
 */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A parent as recorded: a Kubernetes object with a name and a UID (its children's owner). */
export type RecordedParent = KubeObject & { metadata: { name: string; uid: string } };

/** One recorded sync: what `sync` saw, and what it answered. Plain JSON, as stored. */
export interface SyncFixture {
  readonly format: typeof FIXTURE_FORMAT;
  /** The operator's name (`OperatorConfig.name`): whose `sync` answered. */
  readonly operator: string;
  /**
   * The redaction beyond Secrets that was applied (as {@link RedactOptions}), so a replay hides the
   * same values of its answer.
   */
  readonly redact?: {
    readonly paths: readonly (string | readonly string[])[];
    readonly fields: readonly string[];
  };
  readonly request: {
    /** The parent as the cache held it, its spec as stored (before transformation). */
    readonly parent: RecordedParent;
    /** The current children `sync` was shown, by declared type, each type's sorted by name. */
    readonly children: readonly KubeObject[];
    /** Every object a relation (`@Related`) selected for the parent, by relation, sorted by name. */
    readonly related: readonly KubeObject[];
  };
  readonly response: {
    readonly status?: JsonObject;
    /** The desired children as `sync` returned them (not decorated with Operon's marks). */
    readonly children: readonly KubeObject[];
    readonly resync?: number;
  };
}

/** A fixture read from disk, with where it came from. */
export interface LoadedFixture {
  /** Absolute path of the file. */
  readonly path: string;
  /** Path relative to the folder that was read, with `/` separators (for messages). */
  readonly file: string;
  readonly fixture: SyncFixture;
}

/**
 * A server-side field dropped from every recorded object: none of them is something `sync` may
 * depend on, and each changes without any change `sync` could see, which would defeat the
 * de-duplication of identical requests. UIDs stay: they tie children to their parent (owner
 * references, the planner's notion of "controlled by this parent").
 */
function stripServerNoise(obj: KubeObject): KubeObject {
  const meta = obj.metadata;
  if (!meta) return obj;
  const { managedFields: _m, resourceVersion: _r, selfLink: _s, ...rest } = meta;
  if (rest.annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _l, ...annotations } = rest.annotations;
    if (Object.keys(annotations).length > 0) rest.annotations = annotations;
    else delete rest.annotations;
  }
  return { ...obj, metadata: rest };
}

/** One object as a fixture stores it: plain JSON, server noise dropped, redacted, keys sorted. */
export function recordedObject<T extends KubeObject>(obj: T, rules: RedactRules = NO_RULES): T {
  return sortKeys(redactObject(stripServerNoise(toJson(obj)), rules)) as T;
}

/** A response as a fixture stores it (see {@link recordedObject}). */
export function recordedResponse(
  response: { status?: unknown; children: readonly KubeObject[]; resync?: number },
  rules: RedactRules = NO_RULES,
): SyncFixture['response'] {
  const { status } = redactObject(toJson({ status: response.status ?? undefined }), rules) as {
    status?: JsonObject;
  };
  return {
    ...(status === undefined ? {} : { status: sortKeys(status) as JsonObject }),
    children: response.children.map((c) => recordedObject(c, rules)),
    ...(response.resync === undefined ? {} : { resync: response.resync }),
  };
}

/**
 * Builds a fixture from what a pass saw and answered: copies everything (cached objects are frozen
 * and shared), drops server noise, redacts.
 */
export function buildFixture(
  operator: string,
  parent: KubeObject,
  children: readonly KubeObject[],
  related: readonly KubeObject[],
  response: { status?: unknown; children: readonly KubeObject[]; resync?: number },
  rules: RedactRules = NO_RULES,
): SyncFixture {
  const configured = rules.paths.length > 0 || rules.fields.length > 0;
  return {
    format: FIXTURE_FORMAT,
    operator,
    ...(configured ? { redact: { paths: rules.paths.map(readablePath), fields: rules.fields } } : {}),
    request: {
      parent: recordedObject(parent, rules) as RecordedParent,
      children: children.map((c) => recordedObject(c, rules)),
      related: related.map((r) => recordedObject(r, rules)),
    },
    response: recordedResponse(response, rules),
  };
}

/** A path as its dotted string, unless a key holds a dot (then the list of keys). */
function readablePath(keys: readonly string[]): string | readonly string[] {
  return keys.some((k) => k.includes('.')) ? keys : keys.join('.');
}

/**
 * The fixture's short request hash: two fixtures with the same hash recorded the same request
 * (after redaction, so the hash reveals nothing that redaction hides).
 */
export function requestHash(fixture: SyncFixture): string {
  return shortSha256(canonicalJson({ operator: fixture.operator, request: fixture.request }), HASH_LENGTH);
}

/**
 * Where a fixture goes, relative to the fixtures folder: `<operator>/<namespace>/<name>-<hash>.json`
 * (`_cluster` for a cluster-scoped parent; no namespace can start with `_`).
 */
export function fixturePath(fixture: SyncFixture): string {
  const { name, namespace } = fixture.request.parent.metadata as { name: string; namespace?: string };
  return join(fixture.operator, namespace || '_cluster', `${name}-${requestHash(fixture)}.json`);
}

/**
 * A fixture as file text: readable (two-space indentation, one key per line) and stable (keys of
 * every object sorted, so the same fixture is always the same bytes), ending with a newline.
 */
export function fixtureText(fixture: SyncFixture): string {
  return `${JSON.stringify(fixture, null, 2)}\n`;
}

/**
 * Reads every fixture under `dir` (recursively, `*.json` files whose `format` is a sync fixture's),
 * sorted by path. Other JSON files are skipped.
 * @throws OperonError `CONFIG_INVALID` when `dir` does not exist, a `.json` file is not JSON, or a
 * fixture has another format version or lacks a part.
 */
export function readFixtures(dir: string): LoadedFixture[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(dir);
  } catch {
    throw new OperonError(
      'CONFIG_INVALID',
      `The fixtures folder ${dir} does not exist. Record fixtures first (operon record <entry> --out ${dir}, or the host option record: { dir }).`,
    );
  }
  if (!stat.isDirectory()) throw new OperonError('CONFIG_INVALID', `${dir} is not a folder of fixtures.`);
  const out: LoadedFixture[] = [];
  for (const path of jsonFiles(dir)) {
    const file = relative(dir, path).split(sep).join('/');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new OperonError('CONFIG_INVALID', `Fixture ${file} is not valid JSON: ${(e as Error).message}.`);
    }
    if (!isRecord(parsed) || typeof parsed.format !== 'string') continue;
    if (parsed.format !== FIXTURE_FORMAT) {
      if (!parsed.format.startsWith('operon.dev/sync-fixture/')) continue;
      throw new OperonError(
        'CONFIG_INVALID',
        `Fixture ${file} has format "${parsed.format}"; this Operon reads "${FIXTURE_FORMAT}". Record it again.`,
      );
    }
    const problem = fixtureProblem(parsed);
    if (problem) throw new OperonError('CONFIG_INVALID', `Fixture ${file} is damaged: ${problem}.`);
    out.push({ path, file, fixture: parsed as unknown as SyncFixture });
  }
  return out;
}

function fixtureProblem(f: Record<string, unknown>): string | undefined {
  if (typeof f.operator !== 'string' || f.operator === '') return 'it names no operator';
  const req = f.request;
  if (!isRecord(req)) return 'it has no request';
  const parent = req.parent;
  if (!isRecord(parent) || !isRecord(parent.metadata) || typeof parent.metadata.name !== 'string')
    return 'request.parent has no metadata.name';
  if (typeof parent.metadata.uid !== 'string') return 'request.parent has no metadata.uid';
  if (!Array.isArray(req.children) || !Array.isArray(req.related))
    return 'request.children and request.related must be lists';
  const res = f.response;
  if (!isRecord(res) || !Array.isArray(res.children)) return 'response.children must be a list';
  if (f.redact !== undefined) {
    const r = f.redact;
    if (!isRecord(r) || !Array.isArray(r.paths) || !Array.isArray(r.fields)) return 'redact is malformed';
  }
  return undefined;
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...jsonFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(path);
  }
  return out;
}

/** A copy of a JSON value with the keys of every object sorted (code-unit order, locale-free). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}
