import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperonError } from '../../errors/operon-error.js';
import { type Logger, silentLogger } from '../../observability/logger.js';
import { type KubeObject, objectKey } from '../../types/kube-object.js';
import type { ResourceType } from '../../types/resource-type.js';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { resourcePath } from '../api/resource-path.js';
import { Backoff, type BackoffOptions, resolveBackoff } from './backoff.js';
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
}

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
   * When the current streak of failures began; undefined when healthy. The streak ends once a watch
   * has stayed up for `backoff.resetAfterMs`.
   */
  failingSince: Date | undefined;
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

type Failure = { error: Error; kind: 'gone' | 'stall' | 'error' };

/** A watch that ends this fast without one event is treated as a failure, so it cannot hot-loop. */
const SHORT_WATCH_MS = 1000;
/** Expired continue tokens are retried from page one this many times within one LIST. */
const MAX_LIST_RESTARTS = 3;

/**
 * Keeps a {@link StoreWriter} equal to the API server's view of one resource type and scope: a paged
 * LIST, then a WATCH from its resourceVersion, forever.
 *
 * @remarks
 * Guarantees:
 * - Never gives up: every failure (network, 5xx, 403, 429, malformed stream) is retried after a capped,
 *   jittered exponential backoff, and never faster (see {@link Backoff}).
 * - A watch the server ends normally resumes from the last resourceVersion without relisting; a
 *   silent watch is detected (`stallTimeoutMs`) and resumed the same way.
 * - Relists only when the resourceVersion is gone (410), and a relist reports only real changes:
 *   objects whose resourceVersion is unchanged are not replayed.
 * - `stop()` is not a failure: it ends the request, every timer, and listener calls; the returned
 *   promise resolves once the loop has exited.
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
  private readonly backoffOpts: ReturnType<typeof resolveBackoff>;
  private readonly backoff: Backoff;

  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private rv: string | undefined;
  private synced = false;
  private watching = false;
  private lastError: Error | undefined;
  private lastErrorAt: Date | undefined;
  private failingSince: Date | undefined;
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
    this.log = (options.log ?? silentLogger()).child({
      resource: this.path,
      labelSelector: scope.labelSelector,
    });
    this.pageSize = options.pageSize ?? 500;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 300_000;
    this.watchTimeout = options.watchTimeoutSeconds ?? { min: 300, max: 600 };
    this.backoffOpts = resolveBackoff(options.backoff);
    this.backoff = new Backoff(this.backoffOpts);
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
      consecutiveFailures: this.backoff.failures,
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
          this.log.debug({ resourceVersion: this.rv }, 'watch ended by the server; resuming');
          continue;
        }
      } catch (err) {
        if (signal.aborted) break;
        const error = err instanceof Error ? err : new Error(String(err));
        if (ApiError.isGone(error)) needList = true;
        failure = { error, kind: ApiError.isGone(error) ? 'gone' : 'error' };
      }
      if (failure) await this.recordFailure(failure, signal);
    }
  }

  /** Notes the failure and waits out the backoff (resolving early, quietly, on stop). */
  private async recordFailure(failure: Failure, signal: AbortSignal): Promise<void> {
    let delay = this.backoff.next();
    // The first 410 or stall of a streak is routine (etcd compaction, a dropped connection): act at
    // once. Repeats back off like any failure, so an always-410 server cannot cause a relist storm.
    const first = this.backoff.failures === 1;
    if (first && failure.kind !== 'error') delay = 0;
    if (failure.kind === 'gone' && first) {
      this.log.info({ resourceVersion: this.rv }, 'resourceVersion expired (410 Gone); relisting');
    } else {
      this.counts.errors++;
      this.lastError = failure.error;
      this.lastErrorAt = new Date();
      this.failingSince ??= this.lastErrorAt;
      this.log.warn(
        { err: failure.error, attempt: this.backoff.failures, retryInMs: delay },
        failure.kind === 'gone'
          ? 'resourceVersion expired again; relisting after backoff'
          : failure.error.message,
      );
    }
    if (delay > 0) {
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        // Aborted by stop(): the loop condition ends the run.
      }
    }
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
      query: {
        watch: 1,
        allowWatchBookmarks: true,
        resourceVersion: this.rv,
        timeoutSeconds,
        labelSelector: this.scope.labelSelector,
        fieldSelector: this.scope.fieldSelector,
      },
      signal,
    });
    this.counts.watches++;
    this.watching = true;
    // A watch that stays up this long proves the connection healthy again: end the failure streak.
    const healthy = setTimeout(() => this.endFailureStreak(), this.backoffOpts.resetAfterMs);
    try {
      return await this.consume(res, signal);
    } finally {
      clearTimeout(healthy);
      this.watching = false;
    }
  }

  private endFailureStreak(): void {
    if (this.failingSince) this.log.info({ failingSince: this.failingSince }, 'watch healthy again');
    this.backoff.reset();
    this.failingSince = undefined;
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
        fail(
          new ApiError(0, 'watch', this.path, undefined, {
            cause: new Error('connection closed mid-stream'),
          }),
        );
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
        this.rv = event.object.metadata?.resourceVersion ?? this.rv;
        return;
      case 'ADDED':
      case 'MODIFIED': {
        const { stored, previous } = this.store.upsert(this.withTypeMeta(event.object));
        this.rv = stored.metadata?.resourceVersion ?? this.rv;
        if (previous) this.listener.onUpdate(previous, stored);
        else this.listener.onAdd(stored);
        return;
      }
      case 'DELETED': {
        const last = cachedForm(this.withTypeMeta(event.object));
        const known = this.store.remove(objectKey(last));
        this.rv = last.metadata?.resourceVersion ?? this.rv;
        // Handlers see a delete only for an object they saw added.
        if (known) this.listener.onDelete(last);
        return;
      }
    }
  }

  /** LIST items come without apiVersion and kind; watch objects carry them. Cache one shape. */
  private withTypeMeta(obj: T): T {
    if (obj.apiVersion && obj.kind) return obj;
    return { ...obj, apiVersion: obj.apiVersion ?? this.type.apiVersion, kind: obj.kind ?? this.type.kind };
  }
}
