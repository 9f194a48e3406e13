import { mkdirSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OperatorConfig } from '../../config/operator-config.js';
import { ConfigError } from '../../errors/operon-error.js';
import type { Logger } from '../../observability/logger.js';
import type { KubeObject } from '../../types/kube-object.js';
import type { SyncRequest, SyncResponse } from '../../types/sync.js';
import { shortSha256 } from '../planner/json.js';
import { buildFixture, fixturePath, fixtureText } from './fixture.js';
import { type RedactOptions, type RedactRules, redactRules } from './redact.js';

/**
 * The host option `record`: write every distinct sync request the operators see, with the response
 * they returned, as JSON fixtures that the test kit's `replayFixtures` replays without a cluster.
 */
export interface RecordOptions {
  /** The folder to write to (created if missing). Fixtures go to `<operator>/<namespace>/<name>-<hash>.json`. */
  readonly dir: string;
  /** Values to hide beyond the `data`/`stringData` of Secrets, which are always hidden. */
  readonly redact?: RedactOptions;
}

/** What a recorder has done so far. */
export interface RecordStats {
  /** Distinct requests seen (after redaction and dropping server noise). */
  readonly requests: number;
  /** Files written (a file is written again when the same request got another answer). */
  readonly writes: number;
  /** Writes that failed (each is logged). */
  readonly failures: number;
}

/** What the reconciler calls after each successful, valid `sync` (see `ReconcilerDeps.onSyncCompleted`). */
export type SyncObserver = (
  request: SyncRequest<unknown>,
  response: SyncResponse,
  parent: KubeObject,
) => void;

/**
 * Turns completed syncs into fixture files, one per distinct request.
 *
 * @remarks
 * The snapshot is taken synchronously when the pass reports it (the cached objects are copied
 * before anything can change them); files are written in the background, one at a time, each to a
 * temporary name and then renamed, so a reader never sees half a fixture. Recording never fails a
 * pass: every problem is logged and counted. {@link SyncRecorder.flush} waits for the writes; the
 * host calls it when it stops.
 */
export class SyncRecorder {
  private readonly rules: RedactRules;
  /** Fixture path → hash of the text last written there: identical requests are written once. */
  private readonly written = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();
  private writes = 0;
  private failures = 0;

  /** @throws ConfigError when the folder cannot be created or the redaction options are unusable. */
  constructor(
    private readonly options: RecordOptions,
    private readonly log: Logger,
  ) {
    if (typeof options.dir !== 'string' || options.dir === '') {
      throw new ConfigError(['record.dir must name the folder to write fixtures to.']);
    }
    this.rules = redactRules(options.redact);
    try {
      mkdirSync(options.dir, { recursive: true });
    } catch (e) {
      throw new ConfigError([`record.dir: cannot create ${options.dir}: ${(e as Error).message}`]);
    }
  }

  /** The observer for one operator's reconciler. */
  forOperator(config: OperatorConfig<unknown>): SyncObserver {
    return (request, response, parent) => {
      try {
        this.observe(config, request, response, parent);
      } catch (e) {
        this.failures++;
        this.log.warn({ err: (e as Error).message, operator: config.name }, 'could not record a sync');
      }
    };
  }

  /** Counts so far. */
  stats(): RecordStats {
    return { requests: this.written.size, writes: this.writes, failures: this.failures };
  }

  /** Resolves once every fixture recorded so far is on disk (or its write failed and was logged). */
  flush(): Promise<void> {
    return this.queue;
  }

  private observe(
    config: OperatorConfig<unknown>,
    request: SyncRequest<unknown>,
    response: SyncResponse,
    parent: KubeObject,
  ): void {
    const children = config.children.flatMap((ref) => request.children(ref));
    // Two relations may select one object; a replay offers each object once to every relation.
    const related = new Map<string, KubeObject>();
    for (const ref of config.related ?? []) {
      for (const obj of request.relatedList(ref)) {
        const m = obj.metadata;
        related.set(`${obj.apiVersion}/${obj.kind}/${m?.namespace ?? ''}/${m?.name ?? ''}`, obj);
      }
    }
    const fixture = buildFixture(config.name, parent, children, [...related.values()], response, this.rules);
    const file = fixturePath(fixture);
    const text = fixtureText(fixture);
    const digest = shortSha256(text, 16);
    const before = this.written.get(file);
    if (before === digest) return;
    this.written.set(file, digest);
    const path = join(this.options.dir, file);
    this.queue = this.queue.then(() => this.write(path, file, text, before !== undefined));
  }

  private async write(path: string, file: string, text: string, again: boolean): Promise<void> {
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temporary, text);
      await rename(temporary, path);
      this.writes++;
      // Written again: the same request got another answer (sync depends on something else: time, an external system).
      this.log.info(
        { fixture: file },
        again ? 'fixture rewritten: same request, another response' : 'recorded fixture',
      );
    } catch (e) {
      this.failures++;
      this.log.warn({ fixture: file, err: (e as Error).message }, 'could not write a fixture');
    }
  }
}
