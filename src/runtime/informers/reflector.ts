import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperonError } from '../../errors/operon-error.js';
import { type Logger, silentLogger } from '../../observability/logger.js';
import { type KubeObject, objectKey } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { resourcePath } from '../api/resource-path.js';
import { Backoff } from '../backoff/index.js';
import { type BackoffOptions, type ResolvedBackoff, resolveBackoff } from './backoff.js';
import type { InformerScope } from './informer-scope.js';
import { cachedForm, type StoreWriter } from './store.js';
import { LineSplitter, parseWatchEvent, type WatchEvent } from './watch-events.js';

/**
 * Receives what the reflector did to the store, in order. Calls are synchronous; a listener must not
 * throw (the shared informer isolates its handlers).
 */
export interface ReflectorListener<T extends KubeObject> {
  onAdd(obj: T): void;
  onUpdate(oldObj: T, newObj: T): void;
  onDelete(obj: T): void;
  /** Called once, after the first complete LIST was stored and its `onAdd` calls were made. */
  onSynced(): void;
}

/** Tuning of a {@link Reflector}; the defaults suit a real API server. */
export interface ReflectorOptions {
  log?: Logger;
  /** Objects per LIST page. Default 500. */
  pageSize?: number;
  /**
   * A watch on which no byte arrives for this long is abandoned and re-opened from the last
   * resourceVersion. Default 300 000 (5 min): a real API server sends a bookmark about every minute,
   * so only a dead connection stays silent that long.
   */
  stallTimeoutMs?: number;
  /**
   * Range of the `timeoutSeconds` asked of the server for each watch, drawn at random so that many
   * watches do not all reconnect at once. Default 300–600.
   */
  watchTimeoutSeconds?: { min: number; max: number };
  backoff?: BackoffOptions;
  /**
   * Ask the API server for metadata only (`PartialObjectMetadata`) and cache only that: each object
   * becomes `{ apiVersion, kind, metadata }` of the watched type. Default false.
   *
   * @remarks
   * For caches that only map objects to the parents concerned and decide which objects to read in
   * full (related resources): a Secret's metadata is a few hundred bytes, its data up to 1 MiB. The
   * `Accept` headers are client-go's metadata client's; their plain `application/json` fallback
   * (a server without the meta.k8s.io/v1 representation) still yields metadata only here. The
   * `kubectl.kubernetes.io/last-applied-configuration` annotation is dropped too: `kubectl apply`
   * copies the whole object into it, a Secret's data included.
   */
  metadataOnly?: boolean;
}

/** Dropped from metadata-only objects (see {@link ReflectorOptions.metadataOnly}). */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** `Accept` of a metadata-only LIST (client-go's `metadata` client sends the same, bar protobuf). */
export const METADATA_LIST_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
/** `Accept` of a metadata-only WATCH: its events carry single `PartialObjectMetadata` objects. */
export const METADATA_WATCH_ACCEPT =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/** A snapshot of a reflector's state, for health checks and metrics. */
export interface ReflectorHealth {
  /** The first LIST completed (stays true through later relists and outages). */
  synced: boolean;
  /** A watch stream is open right now. */
  watching: boolean;
  /** The resourceVersion the next watch resumes from. */
  resourceVersion: string | undefined;
  /** The most recent failure, kept after recovery for diagnosis (see `failingSince` for "now"). */
  lastError: Error | undefined;
  lastErrorAt: Date | undefined;
  /**
   * When the current run of failures began; undefined when healthy. It ends once a watch has stayed
   * up for `backoff.resetAfterMs` (an API server that answers again with errors is still failing).
   */
  failingSince: Date | undefined;
  /** Failed attempts since `failingSince`. */
  consecutiveFailures: number;
  /** Completed LISTs: 1 after the initial sync, +1 per relist. */
  lists: number;
  /** Watch streams opened (the first one and every re-watch). */
  watches: number;
  /** Watches abandoned because they went silent. */
  stalls: number;
  /** Failures of any kind (routine 410 relists excluded). */
  errors: number;
}

/** A watch or list that misbehaved in a way an HTTP status does not describe. */
export class WatchError extends OperonError {
  constructor(message: string, options?: ErrorOptions) {
    super('API_ERROR', message, options);
  }
}

interface KubeList<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

type WatchEnd = { kind: 'closed' | 'stalled'; events: number; durationMs: number };

/**
 * Why an attempt failed, which decides how long to wait before the next one:
 * - `unreachable`: no answer from the API server (connection refused, reset, timed out; or a 502/503,
 *   a proxy or the server itself saying it cannot serve now). Backs off, capped at `unreachableMaxMs`.
 * - `gone`: 410, the resourceVersion is no longer served. Relists at once.
 * - `stall`: the watch went silent for `stallTimeoutMs`. Re-watches at once.
 * - `error`: the API server answered with an error (403, 500, 429, ...) or sent something unusable.
 *   Backs off, capped at `maxMs`.
 */
type FailureKind = 'unreachable' | 'gone' | 'stall' | 'error';

interface Failure {
  error: Error;
  kind: FailureKind;
}

/** A watch that ends this fast without one event is treated as a failure, so it cannot hot-loop. */
const SHORT_WATCH_MS = 1000;
/** Expired continue tokens are retried from page one this many times within one LIST. */
const MAX_LIST_RESTARTS = 3;
/** The same failure is logged as a warning at most this often; repeats in between go to debug. */
const REPEAT_WARNING_MS = 30_000;
/**
 * Socket-level error codes that mean "the API server cannot be reached right now". TLS and
 * credential errors are not here: they are configuration problems that a quick retry cannot fix.
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * Keeps a {@link StoreWriter} equal to the API server's view of one resource type and scope: a paged
 * LIST, then a WATCH from its resourceVersion, forever.
 *
 * @remarks
 * Guarantees:
 * - Never gives up, and recovers fast: every failure is retried; how soon depends on what failed
 *   (see {@link BackoffOptions}):
 *   - the API server cannot be reached (connection refused or reset, 502/503): capped, jittered
 *     exponential backoff with a low cap (`unreachableMaxMs`, 2 s), so the informer is back within
 *     about that long of the API server, however long the outage lasted;
 *   - any HTTP answer (whatever its status) proves the server reachable again: that backoff ends,
 *     and errors answered before the outage are forgotten;
 *   - 410 Gone relists at once: the server says exactly what to do. Only a 410 on the watch that
 *     immediately follows that relist (the relist did not help) waits, like an error;
 *   - the server answered with an error (403, 500, 429, a broken stream): capped, jittered
 *     exponential backoff up to `maxMs` (30 s), honouring a 429's `retryAfterSeconds`, and never
 *     faster (see {@link Backoff}).
 * - A watch the server ends normally, and a watch lost to a network failure, resume from the last
 *   resourceVersion without relisting; a silent watch is detected (`stallTimeoutMs`) and resumed
 *   the same way.
 * - Relists only when the resourceVersion is gone (410), and a relist reports only real changes:
 *   objects whose resourceVersion is unchanged are not replayed.
 * - `stop()` is not a failure: it ends the request, every timer, and listener calls; the returned
 *   promise resolves once the loop has exited.
 *
 * client-go's reflector differs here: its one backoff manager (800 ms doubling to 30 s, reset after
 * 2 min of no backoff) paces connection retries and also delays the ListAndWatch that follows a 410,
 * so after an outage an informer sits out a backoff that grew while the API server was away.
 *
 * Why hand-written: client-node's informer stops for good on errors, has no backoff (1.x), no
 * stall detection, no bookmarks or paging (see docs/architecture.md).
 */
export class Reflector<T extends KubeObject> {
  private readonly log: Logger;
  private readonly path: string;
  private readonly pageSize: number;
  private readonly stallTimeoutMs: number;
  private readonly watchTimeout: { min: number; max: number };
  private readonly backoffOpts: ResolvedBackoff;
  private readonly metadataOnly: boolean;
  /** Attempts that got no answer from the API server; reset by any answer. */
  private readonly unreachable: Backoff;
  /** Error answers; reset by a healthy watch, or by the API server coming back from an outage. */
  private readonly errorBackoff: Backoff;

  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private rv: string | undefined;
  private synced = false;
  private watching = false;
  private lastError: Error | undefined;
  private lastErrorAt: Date | undefined;
  private failingSince: Date | undefined;
  private failures = 0;
  private unreachableSince: Date | undefined;
  /** 410s since a watch last made progress: the second one means the relist did not help. */
  private goneInARow = 0;
  private lastWarning: { message: string; at: number } | undefined;
  private counts = { lists: 0, watches: 0, stalls: 0, errors: 0 };

  constructor(
    private readonly api: ApiClient,
    private readonly type: ResourceType<T>,
    private readonly scope: InformerScope,
    private readonly store: StoreWriter<T>,
    private readonly listener: ReflectorListener<T>,
    options: ReflectorOptions = {},
  ) {
    this.path = resourcePath(type, { namespace: scope.namespace });
    // The selector is already on the log of its informer (its only user), which passes it in.
    this.log = (options.log ?? silentLogger()).child({ resource: this.path });
    this.pageSize = options.pageSize ?? 500;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 300_000;
    this.watchTimeout = options.watchTimeoutSeconds ?? { min: 300, max: 600 };
    this.backoffOpts = resolveBackoff(options.backoff);
    this.metadataOnly = options.metadataOnly ?? false;
    const { initialMs, factor, maxMs, unreachableMaxMs } = this.backoffOpts;
    this.unreachable = new Backoff({ initialMs, factor, maxMs: unreachableMaxMs });
    this.errorBackoff = new Backoff({ initialMs, factor, maxMs });
  }

  /** Starts listing and watching in the background; a no-op when already running. */
  start(): void {
    if (this.loop && !this.controller?.signal.aborted) return;
    const controller = new AbortController();
    this.controller = controller;
    // Started again while a stop is still winding down: run after it, never two loops at once.
    const previous = this.loop ?? Promise.resolve();
    const loop: Promise<void> = previous
      .then(() => this.run(controller.signal))
      .finally(() => {
        if (this.loop === loop) this.loop = undefined;
      });
    this.loop = loop;
  }

  /** Stops and resolves once no request, timer or listener call is left. Safe to call twice. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
  }

  health(): ReflectorHealth {
    return {
      synced: this.synced,
      watching: this.watching,
      resourceVersion: this.rv,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      failingSince: this.failingSince,
      consecutiveFailures: this.failures,
      ...this.counts,
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      let failure: Failure | undefined;
      try {
        if (needList) {
          await this.list(signal);
          needList = false;
        }
        const end = await this.watch(signal);
        if (end.kind === 'stalled') {
          this.counts.stalls++;
          failure = {
            kind: 'stall',
            error: new WatchError(
              `The watch of ${this.path} received nothing (not even a bookmark) for ${this.stallTimeoutMs} ms; the connection is presumed dead and the watch is re-opened from resourceVersion ${this.rv}.`,
            ),
          };
        } else if (end.events === 0 && end.durationMs < SHORT_WATCH_MS) {
          failure = {
            kind: 'error',
            error: new WatchError(
              `The API server ended the watch of ${this.path} after ${Math.round(end.durationMs)} ms without sending anything; a proxy or load balancer may be closing long requests.`,
            ),
          };
        } else {
          // resourceVersion: a normal end (the server's timeoutSeconds) resumes from the last event
          // or bookmark seen, so nothing is missed and nothing is replayed.
          this.log.debug({ resourceVersion: this.rv }, 'watch ended by the server; resuming');
          continue;
        }
      } catch (err) {
        if (signal.aborted) break;
        const error = err instanceof Error ? err : new Error(String(err));
        const kind = classify(error);
        // An error status is an answer: the API server is reachable again, whatever it said.
        if (answered(error)) this.reachable();
        // resourceVersion: only a 410 relists. Every other failure (network, stall, error status)
        // keeps the resourceVersion and re-watches from it: the server may well still serve it (a
        // dropped connection, another API server of an HA cluster), and when it does not, it says
        // so with a 410. Relisting on every failure would cost a full LIST each time.
        if (kind === 'gone') needList = true;
        failure = { error, kind };
      }
      await this.recordFailure(failure, signal);
    }
  }

  /** Notes the failure and waits as long as its kind asks (resolving early, quietly, on stop). */
  private async recordFailure(failure: Failure, signal: AbortSignal): Promise<void> {
    let delay: number;
    switch (failure.kind) {
      case 'gone':
        this.goneInARow++;
        if (this.goneInARow === 1) {
          // Routine (etcd compaction, an API server restart): not an error, and no wait.
          this.log.info({ resourceVersion: this.rv }, 'resourceVersion expired (410 Gone); relisting now');
          return;
        }
        // The watch opened from a fresh LIST's own resourceVersion was refused too: relisting again
        // at once would be a LIST storm against a misbehaving server.
        delay = this.errorBackoff.next();
        break;
      case 'stall':
        // The stall itself took stallTimeoutMs: re-open at once (a dead server then backs off).
        delay = 0;
        break;
      case 'unreachable':
        this.unreachableSince ??= new Date();
        delay = this.unreachable.next();
        break;
      case 'error':
        delay = Math.max(
          this.errorBackoff.next(),
          Math.min(retryAfterMs(failure.error), this.backoffOpts.maxMs),
        );
        break;
    }
    this.noteFailure(failure, delay);
    if (delay > 0) {
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        // Aborted by stop(): the loop condition ends the run.
      }
    }
  }

  private noteFailure(failure: Failure, delay: number): void {
    this.counts.errors++;
    this.failures++;
    this.lastError = failure.error;
    this.lastErrorAt = new Date();
    this.failingSince ??= this.lastErrorAt;
    const message =
      failure.kind === 'gone'
        ? 'resourceVersion expired again right after a relist (410 Gone); relisting after backoff'
        : failure.error.message;
    const fields = { err: failure.error, attempt: this.failures, retryInMs: delay };
    // An outage retried every second or two must not flood the log: say it once, then every 30 s.
    const now = Date.now();
    const last = this.lastWarning;
    if (last && last.message === message && now - last.at < REPEAT_WARNING_MS) {
      this.log.debug(fields, message);
    } else if (this.failures === 1 && failure.error instanceof ApiError && failure.error.status === 429) {
      // Flow control, not a fault: e.g. "storage is (re)initializing" while the API server fills its
      // watch cache of a type just created. Only a 429 that repeats is worth a warning.
      this.log.info(fields, message);
    } else {
      this.lastWarning = { message, at: now };
      this.log.warn(fields, message);
    }
  }

  /** The API server answered something (any status but 502/503): it is reachable. */
  private reachable(): void {
    if (this.unreachable.failures === 0) return;
    this.log.info(
      { failedAttempts: this.unreachable.failures, unreachableSince: this.unreachableSince },
      'API server reachable again',
    );
    this.unreachable.reset();
    this.unreachableSince = undefined;
    // What the API server answered before it went away says nothing about the one that is back.
    this.errorBackoff.reset();
    this.goneInARow = 0;
    // The next failure is news again, even if its message is the same as before the outage.
    this.lastWarning = undefined;
  }

  private async list(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    let restarts = 0;
    for (;;) {
      let page: KubeList<T>;
      try {
        page = await this.api.request<KubeList<T>>({
          method: 'GET',
          path: this.path,
          accept: this.metadataOnly ? METADATA_LIST_ACCEPT : undefined,
          // resourceVersion: not set, on the first list and on every relist. That is a consistent
          // read: the result is at least as new as anything this process has seen, so the cache
          // never goes back in time (resourceVersion=0 may be answered by an API server whose watch
          // cache lags, e.g. one just restarted in an HA cluster), and it honours `limit`, which
          // resourceVersion=0 ignores. client-go relists at its last resourceVersion without paging,
          // to be served from the watch cache and spare etcd; Kubernetes ≥ 1.31 serves consistent
          // reads from the watch cache too. Later pages carry no resourceVersion either: the continue
          // token pins the snapshot of the first page.
          query: {
            limit: this.pageSize,
            continue: cont,
            labelSelector: this.scope.labelSelector,
            fieldSelector: this.scope.fieldSelector,
          },
          signal,
        });
      } catch (err) {
        // A continue token lives about as long as etcd keeps its revision (~5 min): a slow, large
        // LIST can outlive it. The pages read so far are from the expired snapshot: start over.
        if (cont !== undefined && ApiError.isGone(err) && restarts < MAX_LIST_RESTARTS) {
          restarts++;
          this.log.info({ pagesLost: items.length }, 'continue token expired (410); restarting the list');
          items.length = 0;
          cont = undefined;
          continue;
        }
        throw err;
      }
      this.reachable();
      for (const item of page.items ?? []) items.push(this.withTypeMeta(item));
      rv = page.metadata?.resourceVersion;
      cont = page.metadata?.continue || undefined;
      if (!cont) break;
    }
    if (!rv) {
      throw new WatchError(
        `The LIST of ${this.path} returned no resourceVersion, so there is nothing to watch from.`,
      );
    }
    if (signal.aborted) return;
    const diff = this.store.replace(items);
    // resourceVersion: the list's own (that of its snapshot, from the last page), not the newest
    // item's: the collection may have changed after every item did (a delete), and the watch must
    // start exactly at the snapshot.
    this.rv = rv;
    this.counts.lists++;
    this.log.debug(
      {
        resourceVersion: rv,
        objects: items.length,
        added: diff.added.length,
        updated: diff.updated.length,
        deleted: diff.deleted.length,
      },
      'listed',
    );
    for (const obj of diff.added) this.listener.onAdd(obj);
    for (const { oldObj, newObj } of diff.updated) this.listener.onUpdate(oldObj, newObj);
    for (const obj of diff.deleted) this.listener.onDelete(obj);
    if (!this.synced) {
      this.synced = true;
      this.listener.onSynced();
    }
  }

  private async watch(signal: AbortSignal): Promise<WatchEnd> {
    const { min, max } = this.watchTimeout;
    const timeoutSeconds = min + Math.floor(Math.random() * (max - min + 1));
    const res = await this.api.stream({
      path: this.path,
      accept: this.metadataOnly ? METADATA_WATCH_ACCEPT : undefined,
      query: {
        watch: 1,
        // Bookmarks move the resourceVersion on while nothing of ours changes, so a re-watch after
        // a quiet spell resumes from a recent one instead of one etcd has compacted (a 410, so a
        // needless relist).
        allowWatchBookmarks: true,
        // resourceVersion: the last one seen (the list's, then each event's or bookmark's). Never
        // unset or 0: those start "now" or replay everything as ADDED, losing or duplicating the
        // changes in between. Too old for the server → 410 → relist.
        resourceVersion: this.rv,
        timeoutSeconds,
        labelSelector: this.scope.labelSelector,
        fieldSelector: this.scope.fieldSelector,
      },
      signal,
    });
    this.reachable();
    this.counts.watches++;
    this.watching = true;
    const opened = performance.now();
    // A watch that stays up this long proves the connection healthy again: end the failure streak.
    const healthy = setTimeout(() => this.endFailureStreak(), this.backoffOpts.resetAfterMs);
    try {
      return await this.consume(res, signal);
    } finally {
      clearTimeout(healthy);
      this.watching = false;
      // A watch that lasted is progress: a 410 at its end is a new one, to relist for at once.
      if (performance.now() - opened >= SHORT_WATCH_MS) this.goneInARow = 0;
    }
  }

  private endFailureStreak(): void {
    if (this.failingSince) this.log.info({ failingSince: this.failingSince }, 'watch healthy again');
    this.errorBackoff.reset();
    this.failures = 0;
    this.failingSince = undefined;
    this.lastWarning = undefined;
  }

  /** Reads one watch stream to its end. Resolves on a normal end or a stall; rejects on anything else. */
  private consume(res: IncomingMessage, signal: AbortSignal): Promise<WatchEnd> {
    const started = performance.now();
    return new Promise<WatchEnd>((resolve, reject) => {
      const lines = new LineSplitter();
      let events = 0;
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(stall);
        outcome();
      };
      const fail = (err: unknown): void =>
        settle(() => {
          res.destroy();
          reject(err);
        });
      const stall = setTimeout(
        () =>
          settle(() => {
            res.destroy();
            resolve({ kind: 'stalled', events, durationMs: performance.now() - started });
          }),
        this.stallTimeoutMs,
      );
      const handleLine = (line: string): void => {
        this.handle(parseWatchEvent<T>(line));
        events++;
        this.goneInARow = 0;
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (settled) return;
        stall.refresh();
        try {
          for (const line of lines.push(chunk)) {
            if (settled || signal.aborted) return;
            handleLine(line);
          }
        } catch (err) {
          fail(err);
        }
      });
      res.on('end', () => {
        if (settled) return;
        try {
          const rest = lines.flush();
          if (rest && !signal.aborted) handleLine(rest);
        } catch (err) {
          fail(err);
          return;
        }
        settle(() => resolve({ kind: 'closed', events, durationMs: performance.now() - started }));
      });
      // Listeners stay attached after settling: a destroyed response may still emit 'error'.
      res.on('error', (err) => {
        fail(signal.aborted ? err : new ApiError(0, 'watch', this.path, undefined, { cause: err }));
      });
      res.on('close', () => {
        // The connection went away without the stream's end: as unreachable as a reset.
        const cause = Object.assign(new Error('connection closed mid-stream'), { code: 'ECONNRESET' });
        fail(new ApiError(0, 'watch', this.path, undefined, { cause }));
      });
    });
  }

  private handle(event: WatchEvent<T>): void {
    switch (event.type) {
      case 'ERROR': {
        // The server reports problems inside a 200 stream as a Status: 410 means the
        // resourceVersion was compacted away (relist), anything else ends this watch.
        const status = event.object;
        throw new ApiError(status.code ?? 500, 'watch', this.path, status);
      }
      case 'BOOKMARK':
        // resourceVersion: a bookmark carries only this; resuming from it is safe (every change up
        // to it was sent) and avoids a 410 after a quiet spell.
        this.rv = event.object.metadata?.resourceVersion ?? this.rv;
        return;
      case 'ADDED':
      case 'MODIFIED': {
        const { stored, previous } = this.store.upsert(this.withTypeMeta(event.object));
        // resourceVersion: the event's object's, in the order the server sends them.
        this.rv = stored.metadata?.resourceVersion ?? this.rv;
        if (previous) this.listener.onUpdate(previous, stored);
        else this.listener.onAdd(stored);
        return;
      }
      case 'DELETED': {
        const last = cachedForm(this.withTypeMeta(event.object));
        const known = this.store.remove(objectKey(last));
        // resourceVersion: the deleted object's final state carries the revision of the delete.
        this.rv = last.metadata?.resourceVersion ?? this.rv;
        // Handlers see a delete only for an object they saw added.
        if (known) this.listener.onDelete(last);
        return;
      }
    }
  }

  /**
   * LIST items come without apiVersion and kind; watch objects carry them. Cache one shape. A
   * metadata-only reflector keeps nothing but the metadata, under the watched type's apiVersion and
   * kind (as controller-runtime labels its metadata objects), whatever representation came.
   */
  private withTypeMeta(obj: T): T {
    if (this.metadataOnly) {
      let metadata = obj.metadata;
      if (metadata?.annotations && LAST_APPLIED in metadata.annotations) {
        const { [LAST_APPLIED]: _whole, ...annotations } = metadata.annotations;
        metadata = { ...metadata, annotations };
      }
      // The store's objects are T by the informer's typing; a metadata-only one hands out KubeObject.
      return { apiVersion: this.type.apiVersion, kind: this.type.kind, metadata } as T;
    }
    if (obj.apiVersion && obj.kind) return obj;
    return { ...obj, apiVersion: obj.apiVersion ?? this.type.apiVersion, kind: obj.kind ?? this.type.kind };
  }
}

/** Which {@link FailureKind} an error is. */
function classify(error: Error): FailureKind {
  if (!(error instanceof ApiError)) return 'error';
  if (error.status === 410) return 'gone';
  // A gateway that cannot reach the API server, or the API server saying it cannot serve yet
  // (starting, or an aggregated API that is down): as good as no answer, and cheap to ask again.
  if (error.status === 502 || error.status === 503) return 'unreachable';
  if (error.status === 0) return hasCode(error.cause, UNREACHABLE_CODES) ? 'unreachable' : 'error';
  return 'error';
}

/** The API server itself answered (an HTTP status other than a gateway's 502/503). */
function answered(error: Error): boolean {
  return error instanceof ApiError && error.status > 0 && classify(error) !== 'unreachable';
}

/** True when `err` or one of its causes carries one of `codes` (`ECONNREFUSED`, ...). */
function hasCode(err: unknown, codes: ReadonlySet<string>): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && codes.has(code)) return true;
  }
  return false;
}

/** The wait a 429 asks for (`details.retryAfterSeconds` of its Status), in ms; 0 when none. */
function retryAfterMs(error: Error): number {
  if (!(error instanceof ApiError) || error.status !== 429) return 0;
  const details: unknown = error.body?.details;
  if (typeof details !== 'object' || details === null || !('retryAfterSeconds' in details)) return 0;
  const seconds = details.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : 0;
}
