import { randomBytes } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import type { KubeObject } from '../../types/kube-object.js';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';

/** `Normal` for things that went as planned, `Warning` for what a person should look at. */
export type EventType = 'Normal' | 'Warning';

/** Tuning of an {@link EventRecorder}; every field has client-go's default. */
export interface EventRecorderOptions {
  /**
   * Most distinct Events waiting to be written (client-go: 1000 per broadcaster). Beyond it the
   * newest are dropped: a recorder must not grow without bound while the API server is slow.
   */
  queueSize?: number;
  /** Events an object may get in a burst before the spam filter holds it back (client-go: 25). */
  spamBurst?: number;
  /** One more Event is allowed per object every this many ms (client-go: 5 minutes). */
  spamRefillIntervalMs?: number;
  /**
   * Distinct messages for the same object, type and reason before further ones are folded into
   * one `(combined from similar events)` Event (client-go: 10).
   */
  aggregateThreshold?: number;
  /** A quiet spell this long (ms) since the last similar Event starts the count anew (client-go: 10 minutes). */
  aggregateWindowMs?: number;
  /** Entries of each correlation cache: written Events, similar-Event counts, spam buckets (client-go: 4096). */
  cacheSize?: number;
  /** Milliseconds since the epoch; timestamps, the spam filter, aggregation and the drop warning read it. Tests inject one. */
  clock?: () => number;
}

/** Defaults of {@link EventRecorderOptions}, client-go's (`tools/record`). */
export const EVENT_RECORDER_DEFAULTS = {
  queueSize: 1000,
  spamBurst: 25,
  spamRefillIntervalMs: 5 * 60_000,
  aggregateThreshold: 10,
  aggregateWindowMs: 10 * 60_000,
  cacheSize: 4096,
} as const;

/** Why Events were dropped rather than written. */
export interface EventDrops {
  /** The queue held {@link EventRecorderOptions.queueSize} Events already. */
  queueFull: number;
  /** The object was over its spam-filter budget. */
  spam: number;
  /** Recorded after {@link EventRecorder.close}, or discarded by a write failure after it. */
  closed: number;
}

/** The API server keeps at most this much of an Event's message (and so does client-go). */
const MAX_MESSAGE = 1024;
/** A full queue is reported at most this often. */
const DROP_WARNING_INTERVAL_MS = 60_000;
const AGGREGATED_PREFIX = '(combined from similar events): ';

interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

/** One Event waiting in the queue, with how many times it was recorded since it was queued. */
interface QueuedEvent {
  key: string;
  involved: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  aggregated: boolean;
  count: number;
  first: number;
  last: number;
}

/** An Event this recorder wrote, so repeats patch it. */
interface WrittenEvent {
  name: string;
  namespace: string;
  count: number;
}

/** Distinct messages seen for one (object, type, reason) in the current window. */
interface SimilarEvents {
  messages: Set<string>;
  last: number;
  aggregating: boolean;
}

interface TokenBucket {
  tokens: number;
  at: number;
}

/** A Map that forgets its least recently used entry beyond `max`. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

/**
 * Records Kubernetes Events (core/v1) about parents, the way `kubectl describe` shows them,
 * without making a reconcile pass wait for them.
 *
 * @remarks
 * Events are best-effort, as in client-go: they are for people, no controller logic reads them,
 * so an Event may be late, folded into another, or dropped, and recording one never throws and
 * never blocks. Awaiting one POST per Event on a pass's critical path cost 18% of converge time;
 * here {@link EventRecorder.record} only queues and one background writer sends the Events, one
 * request at a time, in the order they were recorded.
 *
 * The semantics are client-go's `tools/record` (broadcaster plus `EventCorrelator`):
 *
 * - **Bounded queue** ({@link EventRecorderOptions.queueSize}, 1000): when it is full the newest
 *   Event is dropped and counted ({@link EventRecorder.dropped}); a warning is logged at most once
 *   a minute. A repeat of an Event still waiting in the queue takes no room: the queued one's
 *   count grows, so a hot retry loop costs one write carrying the whole count.
 * - **Deduplication**: a repeat of an Event already written (same object, type, reason, message
 *   and source) patches that Event's `count` and `lastTimestamp` instead of creating another;
 *   if it expired meanwhile (the API server keeps Events one hour by default) a new one is created.
 * - **Aggregation**: more than {@link EventRecorderOptions.aggregateThreshold} (10) different
 *   messages for the same object, type and reason, each within
 *   {@link EventRecorderOptions.aggregateWindowMs} (10 min) of the previous, and further ones go
 *   to a single Event whose message is `(combined from similar events): <latest message>` and
 *   whose count grows.
 * - **Spam filter**: a token bucket per object (and source) lets {@link EventRecorderOptions.spamBurst}
 *   (25) Events through at once, then one per {@link EventRecorderOptions.spamRefillIntervalMs}
 *   (5 min); Events over it are dropped without a log line, and counted.
 *
 * Unlike client-go, a failed write is not retried: it is logged at warn and the writer goes on.
 *
 * Each Event names who reported it, as `kubectl describe` and `kubectl events` show it (the
 * `From` column): `source.component` and `reportingComponent` are `component` (the host passes
 * the operator's name), and `reportingInstance` is `instance`: by default the `POD_NAME`
 * environment variable, else `HOSTNAME` (a Pod's hostname is its name), else `component`.
 */
export class EventRecorder {
  private readonly instance: string;
  private readonly clock: () => number;
  private readonly queueSize: number;
  private readonly spamBurst: number;
  private readonly spamRefillIntervalMs: number;
  private readonly aggregateThreshold: number;
  private readonly aggregateWindowMs: number;

  /** Waiting Events by correlation key, in the order they were first recorded. */
  private readonly queue = new Map<string, QueuedEvent>();
  private readonly written: Lru<WrittenEvent>;
  private readonly similar: Lru<SimilarEvents>;
  private readonly buckets: Lru<TokenBucket>;
  private readonly drops: EventDrops = { queueFull: 0, spam: 0, closed: 0 };
  private readonly idleWaiters = new Set<() => void>();
  private writing = false;
  private closed = false;
  private unreportedDrops = 0;
  private lastDropWarning: number | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly component: string,
    private readonly log: Logger,
    instance?: string,
    options: EventRecorderOptions = {},
  ) {
    this.instance = instance || process.env.POD_NAME || process.env.HOSTNAME || component;
    const d = EVENT_RECORDER_DEFAULTS;
    this.clock = options.clock ?? Date.now;
    this.queueSize = options.queueSize ?? d.queueSize;
    this.spamBurst = options.spamBurst ?? d.spamBurst;
    this.spamRefillIntervalMs = options.spamRefillIntervalMs ?? d.spamRefillIntervalMs;
    this.aggregateThreshold = options.aggregateThreshold ?? d.aggregateThreshold;
    this.aggregateWindowMs = options.aggregateWindowMs ?? d.aggregateWindowMs;
    const cacheSize = options.cacheSize ?? d.cacheSize;
    this.written = new Lru(cacheSize);
    this.similar = new Lru(cacheSize);
    this.buckets = new Lru(cacheSize);
  }

  /**
   * Queues an Event about `regarding` and returns at once: the pass that records it never waits
   * for the API server, and nothing here throws.
   *
   * @remarks
   * The Event may be folded into an earlier one (a repeat, or an aggregate of similar ones), held
   * back by the spam filter, or dropped when the queue is full or the recorder closed: Events are
   * best-effort. Call {@link EventRecorder.flush} to wait until what was queued is written.
   */
  record(regarding: KubeObject, type: EventType, reason: string, message: string): void {
    try {
      if (this.closed) {
        this.drops.closed++;
        return;
      }
      const now = this.clock();
      const meta = regarding.metadata ?? {};
      const involved: InvolvedObject = {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      };
      const objectKey = [
        this.component,
        involved.apiVersion,
        involved.kind,
        involved.namespace,
        involved.name,
        involved.uid,
      ].join('\u0000');
      if (!this.allow(objectKey, now)) {
        this.drops.spam++;
        return;
      }
      const text = String(message).slice(0, MAX_MESSAGE);
      const similarKey = `${objectKey}\u0000${type}\u0000${reason}`;
      const aggregated = this.aggregate(similarKey, text, now);
      // The aggregate's key cannot collide with a message's: a different separator.
      const key = aggregated ? `${similarKey}\u0001` : `${similarKey}\u0000${text}`;
      const shown = aggregated ? `${AGGREGATED_PREFIX}${text}`.slice(0, MAX_MESSAGE) : text;

      const queued = this.queue.get(key);
      if (queued) {
        queued.count++;
        queued.last = now;
        queued.message = shown;
        queued.involved = involved;
        return;
      }
      if (this.queue.size >= this.queueSize) {
        this.dropQueueFull(now);
        return;
      }
      this.queue.set(key, {
        key,
        involved,
        type,
        reason,
        message: shown,
        aggregated,
        count: 1,
        first: now,
        last: now,
      });
      this.startWriter();
    } catch (e) {
      this.log.warn({ err: messageOf(e), reason }, 'could not record an Event');
    }
  }

  /**
   * Resolves once every queued Event has been written (or has failed), or after `timeoutMs` (real
   * time, not the injected clock), whichever comes first; never rejects.
   *
   * @remarks
   * For shutdown: the last passes' Events (a failure's Warning above all) are worth a short wait
   * before the API client closes, but not an unbounded one. Without `timeoutMs` it waits for the
   * queue to drain, each write being bounded by the API client's request timeout.
   */
  flush(timeoutMs?: number): Promise<void> {
    if (!this.writing && this.queue.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.idleWaiters.delete(done);
        resolve();
      };
      this.idleWaiters.add(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, Math.max(0, timeoutMs));
    });
  }

  /**
   * Stops accepting Events: later {@link EventRecorder.record} calls are dropped (and counted).
   *
   * @remarks
   * What is already queued is still written; await {@link EventRecorder.flush} for it. Once closed,
   * a write that cannot reach the API server (a closed client, a replica that lost its Lease)
   * discards the rest of the queue with one warning, rather than one warning per Event.
   */
  close(): void {
    this.closed = true;
  }

  /** Distinct Events waiting to be written (not counting the one being written); for tests and metrics. */
  get pending(): number {
    return this.queue.size;
  }

  /** Events dropped rather than written, for every reason in {@link EventRecorder.droppedBy}. */
  get dropped(): number {
    return this.drops.queueFull + this.drops.spam + this.drops.closed;
  }

  /** {@link EventRecorder.dropped}, by reason. */
  get droppedBy(): Readonly<EventDrops> {
    return { ...this.drops };
  }

  /** client-go's `EventSourceObjectSpamFilter`: a token bucket per (source, object). */
  private allow(objectKey: string, now: number): boolean {
    let bucket = this.buckets.get(objectKey);
    if (!bucket) {
      bucket = { tokens: this.spamBurst, at: now };
      this.buckets.set(objectKey, bucket);
    } else {
      const elapsed = Math.max(0, now - bucket.at);
      const refill =
        this.spamRefillIntervalMs > 0 ? elapsed / this.spamRefillIntervalMs : Number.POSITIVE_INFINITY;
      bucket.tokens = Math.min(this.spamBurst, bucket.tokens + refill);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /**
   * client-go's `EventAggregator`: true once more than `aggregateThreshold` distinct messages came
   * for one (object, type, reason) without a quiet spell of `aggregateWindowMs`; from then on every
   * such Event, a repeat of an earlier message too, goes to the one aggregate Event.
   */
  private aggregate(similarKey: string, message: string, now: number): boolean {
    let similar = this.similar.get(similarKey);
    if (!similar || now - similar.last > this.aggregateWindowMs) {
      similar = { messages: new Set(), last: now, aggregating: false };
      this.similar.set(similarKey, similar);
    }
    similar.last = now;
    if (similar.aggregating) return true;
    if (similar.messages.has(message)) return false;
    if (similar.messages.size >= this.aggregateThreshold) {
      similar.aggregating = true;
      similar.messages.clear();
      return true;
    }
    similar.messages.add(message);
    return false;
  }

  private dropQueueFull(now: number): void {
    this.drops.queueFull++;
    this.unreportedDrops++;
    if (this.lastDropWarning !== undefined && now - this.lastDropWarning < DROP_WARNING_INTERVAL_MS) return;
    this.lastDropWarning = now;
    this.log.warn(
      { dropped: this.unreportedDrops, totalDropped: this.drops.queueFull, queueSize: this.queueSize },
      'the Event queue is full: dropping Events (they are best-effort)',
    );
    this.unreportedDrops = 0;
  }

  private startWriter(): void {
    if (this.writing) return;
    this.writing = true;
    // After the caller's synchronous work: repeats recorded in the same turn coalesce first.
    queueMicrotask(() => void this.drain());
  }

  /** The one writer: takes the oldest queued Event, writes it, and so on until the queue is empty. */
  private async drain(): Promise<void> {
    try {
      for (let next = this.queue.values().next(); !next.done; next = this.queue.values().next()) {
        const event = next.value;
        this.queue.delete(event.key);
        await this.write(event);
      }
    } catch (e) {
      // write() catches everything; this is only a guard so the writer can never die silently.
      this.log.warn({ err: messageOf(e) }, 'the Event writer failed');
    } finally {
      this.writing = false;
      if (this.queue.size > 0) this.startWriter();
      else for (const done of [...this.idleWaiters]) done();
    }
  }

  private async write(event: QueuedEvent): Promise<void> {
    const seen = this.written.get(event.key);
    if (seen) {
      // An absolute count: if this patch fails, the next one still carries these repeats.
      seen.count += event.count;
      try {
        await this.api.request({
          method: 'PATCH',
          path: `/api/v1/namespaces/${seen.namespace}/events/${seen.name}`,
          contentType: 'application/merge-patch+json',
          body: {
            count: seen.count,
            lastTimestamp: new Date(event.last).toISOString(),
            // An aggregate shows its latest message, as client-go's patch does.
            ...(event.aggregated ? { message: event.message } : {}),
          },
        });
        return;
      } catch (e) {
        if (!ApiError.isNotFound(e)) return this.failed(e, event);
        // The Event expired (default TTL 1 h): start a new one.
        this.written.delete(event.key);
      }
    }
    const namespace = event.involved.namespace || 'default';
    const name = `${event.involved.name ?? 'unknown'}.${Math.floor(this.clock()).toString(16)}${randomBytes(2).toString('hex')}`;
    try {
      await this.api.request({
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/events`,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: event.involved,
          type: event.type,
          reason: event.reason,
          message: event.message,
          source: { component: this.component },
          reportingComponent: this.component,
          reportingInstance: this.instance,
          firstTimestamp: new Date(event.first).toISOString(),
          lastTimestamp: new Date(event.last).toISOString(),
          count: event.count,
        },
      });
      this.written.set(event.key, { name, namespace, count: event.count });
    } catch (e) {
      this.failed(e, event);
    }
  }

  private failed(e: unknown, event: QueuedEvent): void {
    const { namespace, name } = event.involved;
    const object = namespace ? `${namespace}/${name}` : name;
    if (this.closed && e instanceof ApiError && e.status === 0 && this.queue.size > 0) {
      const discarded = [...this.queue.values()].reduce((n, q) => n + q.count, 0);
      this.drops.closed += discarded;
      this.queue.clear();
      this.log.warn(
        { err: messageOf(e), reason: event.reason, object, discarded },
        'could not record an Event; the recorder is closed, discarding the queued ones',
      );
      return;
    }
    this.log.warn({ err: messageOf(e), reason: event.reason, object }, 'could not record an Event');
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
