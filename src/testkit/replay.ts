import { AssertionError } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import type { OperatorConfig } from '../config/operator-config.js';
import { OperonError } from '../errors/operon-error.js';
import { childRefFor } from '../runtime/planner/child-types.js';
import { describeChange, diffJson, type FieldChange } from '../runtime/planner/json-diff.js';
import { DESIRED_HASH_ANNOTATION, decorateChild, type Ownership } from '../runtime/planner/ownership.js';
import { type ChildAction, planValidatedChildren } from '../runtime/planner/plan.js';
import {
  fixtureText,
  type LoadedFixture,
  NO_RULES,
  readFixtures,
  recordedResponse,
  redactRules,
  type SyncFixture,
} from '../runtime/record/index.js';
import type { KubeObject, NamedObject } from '../types/kube-object.js';
import type { SyncResponse } from '../types/sync.js';
import { describePlan, operatorConfigOf, runSync, type TestParent } from './sync-harness.js';

export type { FieldChange } from '../runtime/planner/json-diff.js';

/** Options of {@link replayFixtures}. */
export interface ReplayOptions {
  /**
   * Rewrite every fixture whose response changed with the new response (snapshot testing: accept
   * the new behaviour). The recorded request stays as it is. Default: true when the environment
   * variable `OPERON_UPDATE_FIXTURES` is `1`, else false.
   */
  readonly update?: boolean;
  /**
   * Replay the fixtures recorded under this operator name. Default: the operator's own name (its
   * `OperatorConfig.name`); set it when the new version's name differs from the recorded one.
   */
  readonly operatorName?: string;
}

/** How one child of a recorded response compares with the new response's. */
export interface ChildChange {
  /**
   * What the runtime would do, had it written the recorded response, to bring this child to the
   * new one: `create` (only the new response has it), `delete` (only the recorded one had it), or
   * the child type's update strategy (`apply`, `replace`, `recreate`); `none` when the strategy
   * (`on-delete`) never updates, or the type is no longer declared (the child is left alone).
   */
  readonly action: ChildAction['action'] | 'none';
  /** The child's `apiVersion`. */
  readonly apiVersion: string;
  /** The child's `kind`. */
  readonly kind: string;
  /** The child's namespace, when it has one. */
  readonly namespace?: string;
  /** The child's `metadata.name`. */
  readonly name: string;
  /** Fields that differ between the recorded and the new desired child (both updates' and `none`'s). */
  readonly fields: readonly FieldChange[];
  /** Why nothing would be written, for `none`. */
  readonly note?: string;
}

/** The replay of one fixture. */
export interface ReplayCase {
  /** The fixture's path relative to the replayed folder, `/`-separated. */
  readonly file: string;
  /** The parent, for messages: `EchoServer demo/web`. */
  readonly parent: string;
  /**
   * `unchanged`: the new response equals the recorded one; `changed`: it differs (see `children`,
   * `status`, `resync`); `failed`: the request no longer gets a valid response (the spec fails
   * validation, `sync` throws, or its response is invalid; see `error`).
   */
  readonly outcome: 'unchanged' | 'changed' | 'failed';
  /** True when `update` rewrote the fixture with the new response. */
  readonly updated: boolean;
  /**
   * The writes the runtime would make to go from the recorded desired children to the new ones,
   * one line each (`describePlan`): `['recreate Pod/web-0', 'create ConfigMap/web']`.
   */
  readonly plan: readonly string[];
  /**
   * The children that differ between the recorded and the new response, each with what the runtime
   * would do to it.
   */
  readonly children: readonly ChildChange[];
  /** Fields of the status that differ (recorded → new). */
  readonly status: readonly FieldChange[];
  /** Present when the requested resync differs. */
  readonly resync?: { readonly before?: number; readonly after?: number };
  /** Why the replay failed, for `failed`. */
  readonly error?: string;
  /** This case as readable text; empty when unchanged. */
  readonly diff: string;
}

/** What {@link replayFixtures} found. */
export interface ReplayResult {
  /** The operator name whose fixtures were replayed. */
  readonly operator: string;
  /** The folder the fixtures were read from, as given. */
  readonly dir: string;
  /** Every replayed fixture, sorted by file. */
  readonly cases: readonly ReplayCase[];
  /** Fixtures whose new response equals the recorded one. */
  readonly unchanged: number;
  /** Fixtures whose response changed (rewritten or not). */
  readonly changed: number;
  /** Fixtures that no longer get a valid response (see {@link ReplayCase.error}). */
  readonly failed: number;
  /** Fixtures rewritten by `update`. */
  readonly updated: number;
  /** True when nothing is left differing: every response matched, or was rewritten by `update`. */
  readonly ok: boolean;
  /** A summary line, then every difference, readably. */
  readonly report: string;
}

/**
 * Replays recorded sync traffic against an operator, without a cluster: for each fixture under
 * `dir` recorded for this operator (see the host option `record` and `operon record`), builds the
 * request exactly as the runtime would from the recorded parent, children and related objects
 * (as {@link runSync} does: spec transformed and validated, response checked), calls `sync`, and
 * compares the response with the recorded one.
 *
 * @remarks
 * Children are compared as Operon would write them: the new desired children are planned against
 * the recorded desired ones as if Operon had written those, so each difference reads as the action
 * the runtime would take (`recreate Pod/web-0`, `replace Service/web`, `create ...`, `delete ...`),
 * with the fields that differ; then the status and the requested resync. The new response is
 * redacted as the fixture was, so a Secret's redacted values compare equal.
 *
 * A fixture that no longer gets a valid response is `failed`. With `update` (or
 * `OPERON_UPDATE_FIXTURES=1`), each changed fixture is rewritten with the new response.
 *
 * @param operator - an operator instance or a hand-written {@link OperatorConfig}, as for `runSync`.
 * @param dir - the folder the fixtures were recorded to (searched recursively).
 * @returns the outcome of every fixture; {@link assertReplayPassed} turns it into a test failure.
 * @throws OperonError `CONFIG_INVALID` when `dir` holds no fixture of this operator, or a damaged one.
 *
 * @example node:test or vitest
 * ```ts
 * import { assertReplayPassed, replayFixtures } from 'operon/testkit';
 * it('answers recorded traffic as before', async () => {
 *   assertReplayPassed(await replayFixtures(new EchoServerOperator(new EchoImage()), 'test/fixtures'));
 * });
 * ```
 */
export async function replayFixtures(
  operator: object | OperatorConfig<unknown>,
  dir: string,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const config = operatorConfigOf(operator);
  const name = options.operatorName ?? config.name;
  const all = readFixtures(dir);
  const mine = all.filter((f) => f.fixture.operator === name);
  if (mine.length === 0) {
    const others = [...new Set(all.map((f) => f.fixture.operator))];
    throw new OperonError(
      'CONFIG_INVALID',
      `No fixture of operator "${name}" under ${dir}` +
        (others.length > 0
          ? ` (it holds fixtures of ${others.map((o) => `"${o}"`).join(', ')}; pass { operatorName } to replay those)`
          : ' (it holds none; record some with the host option record: { dir } or operon record)') +
        '.',
    );
  }
  const update = options.update ?? process.env.OPERON_UPDATE_FIXTURES === '1';
  const cases: ReplayCase[] = [];
  for (const loaded of mine) cases.push(await replayOne(config, loaded, update));
  return summarise(name, dir, cases);
}

/**
 * Throws an `AssertionError` listing every fixture whose response differs (and was not rewritten)
 * or that failed, with readable diffs; does nothing when {@link ReplayResult.ok}. Works with any
 * test runner (node:test, vitest, jest) that reports thrown assertions.
 */
export function assertReplayPassed(result: ReplayResult): void {
  if (result.ok) return;
  throw new AssertionError({
    message:
      `${result.report}\n\nIf the new behaviour is intended, rewrite the fixtures: replayFixtures(operator, dir, { update: true }), ` +
      `OPERON_UPDATE_FIXTURES=1, or operon replay <entry> ${result.dir} --update.`,
  });
}

async function replayOne(
  config: OperatorConfig<unknown>,
  loaded: LoadedFixture,
  update: boolean,
): Promise<ReplayCase> {
  const { fixture } = loaded;
  const { parent } = fixture.request;
  const label = `${parent.kind ?? config.parent.type.kind} ${parent.metadata.namespace ? `${parent.metadata.namespace}/` : ''}${parent.metadata.name}`;
  const base = { file: loaded.file, parent: label, updated: false, plan: [], children: [], status: [] };
  let response: SyncResponse;
  try {
    // Objects of types this version no longer declares are not watched, so sync would not see them.
    const relates = (o: KubeObject) =>
      (config.related ?? []).some((r) => r.type.apiVersion === o.apiVersion && r.type.kind === o.kind);
    response = await runSync(config, {
      parent: parent as TestParent,
      children: fixture.request.children.filter((c) => childRefFor(config.children, c)),
      related: fixture.request.related.filter(relates),
    });
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return {
      ...base,
      outcome: 'failed',
      error,
      diff: caseText(label, loaded.file, [`error: ${indent(error, '  ')}`]),
    };
  }
  const now = recordedResponse(response, fixture.redact ? redactRules(fixture.redact) : NO_RULES);
  const compared = compare(config, fixture, now);
  const changed = compared.children.length > 0 || compared.status.length > 0 || compared.resync !== undefined;
  if (!changed) return { ...base, ...compared, outcome: 'unchanged', diff: '' };
  if (update) await writeFile(loaded.path, fixtureText({ ...fixture, response: now }));
  return {
    ...base,
    ...compared,
    outcome: 'changed',
    updated: update,
    diff: caseText(label, loaded.file, caseLines(compared), update),
  };
}

interface Compared {
  plan: string[];
  children: ChildChange[];
  status: FieldChange[];
  resync?: { before?: number; after?: number };
}

/** The recorded response against the new one (both as fixtures store them). */
function compare(
  config: OperatorConfig<unknown>,
  fixture: SyncFixture,
  now: SyncFixture['response'],
): Compared {
  const parent = fixture.request.parent;
  const ownership: Ownership = { operatorName: config.name, parent, parentType: config.parent.type };
  const declared = (c: KubeObject) => childRefFor(config.children, c);
  const mark = (c: KubeObject) => decorateChild(c, ownership, declared(c)?.type);
  const recorded = fixture.response.children.filter((c) => declared(c)).map(mark);
  const desired = now.children.map(mark);
  // The recorded desired children stand for what Operon wrote; the plan is then exactly what the
  // new version would do differently. The new response passed runSync's checks already.
  const plan = planValidatedChildren({
    ...ownership,
    children: config.children,
    desired: now.children,
    current: recorded,
  });
  const before = byKey(recorded);
  const after = byKey(desired);
  const children: ChildChange[] = [];
  const planned = new Set<string>();
  for (const action of plan) {
    const obj = action.action === 'delete' ? action.live : action.object;
    const key = keyOf(obj);
    planned.add(key);
    children.push(childChange(action.action, obj, before.get(key), after.get(key)));
  }
  for (const [key, obj] of after) {
    if (planned.has(key)) continue;
    const fields = fieldsOf(before.get(key), obj);
    if (fields.length > 0) {
      const note = `its update strategy (${declared(obj)?.strategy}) never updates an existing child`;
      children.push({ ...childChange('none', obj, before.get(key), obj), note });
    }
  }
  for (const c of fixture.response.children.filter((c) => !declared(c))) {
    const note = `the operator no longer declares ${c.kind} (${c.apiVersion}); such a child is left alone`;
    children.push({ ...childChange('none', c as NamedObject, undefined, undefined), note });
  }
  const status = diffJson(fixture.response.status, now.status);
  const resync =
    fixture.response.resync === now.resync
      ? undefined
      : { before: fixture.response.resync, after: now.resync };
  return { plan: describePlan(plan), children, status, resync };
}

function childChange(
  action: ChildChange['action'],
  obj: NamedObject,
  before: NamedObject | undefined,
  after: NamedObject | undefined,
): ChildChange {
  const { namespace, name } = obj.metadata;
  return {
    action,
    apiVersion: obj.apiVersion ?? '',
    kind: obj.kind ?? '',
    ...(namespace ? { namespace } : {}),
    name,
    fields: before && after ? fieldsOf(before, after) : [],
  };
}

/** Field changes between two decorated children, without the desired hash (it changes with any field). */
function fieldsOf(before: NamedObject | undefined, after: NamedObject): FieldChange[] {
  return diffJson(withoutHash(before), withoutHash(after));
}

function withoutHash(obj: NamedObject | undefined): unknown {
  if (!obj) return undefined;
  const { [DESIRED_HASH_ANNOTATION]: _hash, ...annotations } = obj.metadata.annotations ?? {};
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}

function byKey(objects: readonly NamedObject[]): Map<string, NamedObject> {
  return new Map(objects.map((o) => [keyOf(o), o]));
}

function keyOf(obj: KubeObject): string {
  return `${obj.apiVersion}\u0000${obj.kind}\u0000${obj.metadata?.namespace ?? ''}\u0000${obj.metadata?.name ?? ''}`;
}

function caseLines(c: Compared): string[] {
  const lines: string[] = [];
  for (const child of c.children) {
    const note = child.note ? ` (${child.note})` : '';
    lines.push(`${child.action} ${child.kind}/${child.name}${note}`);
    for (const f of child.fields) lines.push(`  ${describeChange(f)}`);
  }
  if (c.status.length > 0) {
    lines.push('status');
    for (const f of c.status) lines.push(`  ${describeChange(f)}`);
  }
  if (c.resync) lines.push(`resync: ${c.resync.before ?? 'none'} → ${c.resync.after ?? 'none'}`);
  return lines;
}

function caseText(label: string, file: string, lines: readonly string[], updated = false): string {
  const mark = updated ? '✎' : '✗';
  return [`${mark} ${label} (${file})${updated ? ' — rewritten' : ''}`, ...lines.map((l) => `    ${l}`)].join(
    '\n',
  );
}

function indent(text: string, prefix: string): string {
  return text.split('\n').join(`\n${prefix}`);
}

function summarise(operator: string, dir: string, cases: ReplayCase[]): ReplayResult {
  const count = (o: ReplayCase['outcome']) => cases.filter((c) => c.outcome === o).length;
  const unchanged = count('unchanged');
  const changed = count('changed');
  const failed = count('failed');
  const updated = cases.filter((c) => c.updated).length;
  const parts = [`${unchanged} unchanged`, `${changed} changed`];
  if (updated > 0) parts.push(`${updated} rewritten`);
  if (failed > 0) parts.push(`${failed} failed`);
  const head = `Replayed ${cases.length} fixture${cases.length === 1 ? '' : 's'} of operator "${operator}" from ${dir}: ${parts.join(', ')}.`;
  const details = cases.filter((c) => c.diff !== '').map((c) => c.diff);
  return {
    operator,
    dir,
    cases,
    unchanged,
    changed,
    failed,
    updated,
    ok: failed === 0 && changed === updated,
    report: [head, ...details].join('\n'),
  };
}
