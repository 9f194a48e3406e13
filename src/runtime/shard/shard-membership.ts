import { ConfigError } from '../../errors/operon-error.js';
import { type Logger, silentLogger } from '../../observability/logger.js';
import type { ObjectKey } from '../../types/kube-object.js';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { microTime } from '../leader/lease-lock.js';
import { errorMessage, pause } from '../leader/pause.js';
import { assignBuckets, bucketOf, ownerOfShardKey } from './buckets.js';
import { shardKeyOfObjectKey } from './ring.js';
import {
  leasePath,
  type MemberRecord,
  ownLeaseBody,
  readMember,
  SHARD_GROUP_LABEL,
  type ShardLeaseObject,
  sameRecord,
  shardLeaseName,
} from './shard-lease.js';
import { type ResolvedSharding, shardingProblems } from './shard-options.js';
import { makeView, type ShardView, type ViewMember } from './shard-view.js';

/** The one call of the API client the membership uses (tests pass an in-memory fake). */
export type ShardApi = Pick<ApiClient, 'request'>;

/**
 * What a {@link ShardMembership} needs from, and tells, the host that reconciles the parents. The
 * `on*` callbacks are called synchronously and must be quick; one that throws is logged and ignored.
 */
export interface ShardCallbacks {
  /**
   * Resolves once no reconcile of a parent for which `lost(key)` is true is in flight. Called when
   * the observed view changes (`lost`: the parents this replica does not own under it) and on
   * {@link ShardMembership.stop} (`lost`: every parent). {@link ShardMembership.mayReconcile}
   * already refuses those parents when it is called, so only reconciles that started before need
   * waiting for. `signal` aborts when the membership is killed (its start signal aborted). A
   * rejection is logged and the drain is tried again at the next read of the members.
   */
  drain(lost: (key: ObjectKey) => boolean, signal: AbortSignal): Promise<void>;
  /**
   * Every member of `view` has acknowledged it: this replica now reconciles every parent it owns
   * under it, including those it gained. The host enqueues the cached parents it owns.
   */
  onActivated?(view: ShardView): void;
  /** The observed view changed (members joined or left; this replica's own entry included). */
  onChange?(view: ShardView): void;
  /**
   * This replica could not renew its Lease within the renew deadline: it reconciles nothing until
   * it renews, rejoins and a view with it is activated again. Abort every in-flight reconcile
   * here, synchronously (see the class's remarks on fencing).
   */
  onFenced?(): void;
}

/** A member seen in the Leases, and when (on this replica's clock) its record last changed. */
interface Peer {
  readonly record: MemberRecord;
  readonly observedAt: number;
  /** Of the Lease as last listed: a deletion of a dead member's Lease is conditional on it. */
  readonly resourceVersion?: string;
}

/**
 * A dead member's Lease is deleted once its recorded duration has run out this many times over:
 * long after the member fenced itself, so deleting it cannot hand over anything it still writes.
 */
const STALE_LEASE_DURATIONS = 4;

/**
 * This replica's membership of a ring of replicas that share an application's parents, and the
 * handover protocol that keeps two replicas from reconciling one parent at once.
 *
 * @remarks
 * **Membership.** Each replica keeps one Lease, `operon-shard-<group>-<identity>`, labelled
 * `operon.dev/shard-group=<group>`, with its identity (`holderIdentity`), its lease duration, the
 * incarnation it joined under (`acquireTime`) and a renew time. It renews it every retry period with
 * a PUT on the resourceVersion it last wrote, and reads every Lease of the group with a LIST every
 * retry period. A member is live while its record has changed, as seen by this replica, within
 * the duration recorded *in the record*, measured on this replica's monotonic clock from the
 * moment it saw the change (client-go's `isLeaseValid`: trust the record, not one's own settings).
 * A member is dropped only when a LIST *sent after* that moment still shows the unchanged record:
 * the members' Leases are not written with a compare-and-swap against each other (as a leader's
 * takeover is), so a stale read must never be able to expire a live member; this is why the Leases
 * are listed rather than watched (a watch gives no bound on how stale it is). A Lease that is gone
 * from a LIST leaves at once: only a graceful {@link stop} deletes one, after draining. A parent
 * belongs to a bucket (a hash of its shard key, see `bucketOf`), and each bucket to the member with
 * the highest rendezvous weight for it (see `assignBuckets`).
 *
 * **Views.** The *observed* view is the set of live members; this replica counts itself while it is
 * not fenced, and only once a LIST sent after its Lease was stored has come back. Its id hashes
 * `identity@incarnation` of each member, so a member that rejoins makes a new view. The *active* view is the last observed view that every one
 * of its members acknowledged. A member acknowledges a view by writing its id into the
 * `operon.dev/shard-ack` annotation of its own Lease.
 *
 * **Handover.** When the observed view changes:
 * 1. {@link mayReconcile} at once refuses every parent this replica does not own under the new view
 *    (a lost parent stops on observation), and refuses gained parents (owned now, not under the
 *    active view) until the new view is active;
 * 2. `drain(lost)` is awaited: no reconcile of a lost parent is in flight any more;
 * 3. if the observed view is still the same, its id is written into the own Lease (the ack);
 *    otherwise step 2 is repeated for the newer view;
 * 4. once every member of the observed view, this one included, has acknowledged it (as read in
 *    the Leases, and for this replica: its ack write succeeded), it becomes the active view and
 *    `onActivated` is called.
 *
 * The rule: a replica may reconcile parent `k` iff it is not fenced, owns `k` under the observed
 * view, and either owns `k` under the active view or the observed view is the active one. Why two
 * replicas never both may reconcile `k`: rendezvous hashing gives `k`'s bucket to the same member in any
 * two views that contain both candidates, so if A and B both own `k`, one of them, say B, is
 * missing from A's view, while A is in B's (as each counts itself only after a LIST sent after its
 * Lease was stored, of two replicas the later to join sees the earlier). Either B joined and A has not seen it yet, and then B waits for A's ack
 * of a view containing B, which A writes only after seeing B, which it does not drop again unless
 * B's Lease is deleted (B drained first) or expired (B was fenced first, below); or A dropped B, for
 * the same two reasons. B's incarnation is part of every view id, so an ack of a view B was part
 * of before it was fenced does not count for the view it rejoins in.
 *
 * **Fencing.** A replica's renew deadline runs `renewDeadlineMs` from when it *sent* its last
 * successful write of its Lease (the write cannot be stored, nor seen, earlier). When it passes,
 * the replica is fenced: `mayReconcile` refuses everything, `onFenced` fires, and the active view
 * is forgotten. It rejoins with the next successful write, under a new incarnation, and reconciles
 * again once a view containing that incarnation is active. Others drop it at the earliest
 * `leaseDurationSeconds` after they saw its last write, later than its deadline since
 * `renewDeadlineMs < leaseDurationMs ≤ leaseDurationSeconds × 1000`. The host has that margin
 * (5 s with the defaults) to abort its in-flight reconciles in `onFenced`: it must do so at once,
 * not drain.
 *
 * **Clock assumptions.** Every duration is measured on one replica's monotonic clock; no clock is
 * compared with another, so clock skew does not matter, but skew *rate* does (as for client-go's
 * leader election): a replica whose clock runs much slower than another's can outlast its margin.
 * A replica paused longer than the margin (a frozen VM, a blocked event loop) can act after its
 * parents moved: this is not fencing by the API server. Keep reconciles idempotent, as Operon's are.
 *
 * **Requirements.** Identities must be unique among the replicas. Nobody but its member may delete a
 * live member's Lease (it would leave at once while still reconciling; a member that finds its Lease
 * gone fences itself at once and rejoins). The one exception is Operon's own: the first live member
 * deletes the Lease of a member dead for four of its lease durations (long after it fenced itself),
 * conditionally on the Lease being unchanged, so killed replicas leave nothing behind. RBAC: `get`, `list`, `create`, `update`, `delete` on `leases`
 * in the Lease namespace.
 *
 * @example
 * ```ts
 * const membership = new ShardMembership(api, resolveSharding({ group: 'echo-server' }), {
 *   drain: (lost) => queue.waitForInFlight(lost),
 *   onActivated: () => { for (const key of cache.keys()) if (membership.mayReconcile(key)) queue.add(key); },
 *   onFenced: () => abortInFlightReconciles(),
 * });
 * membership.start(shutdownSignal);
 * // in the reconcile loop:
 * if (!membership.mayReconcile(key)) return;
 * // on a graceful shutdown, once no new reconcile starts:
 * await membership.stop();
 * ```
 */
export class ShardMembership {
  private readonly leaseName: string;
  private readonly peers = new Map<string, Peer>();
  private readonly log: Logger;
  /** The own Lease as last returned by the API server (its resourceVersion is the next PUT's). */
  private own: ShardLeaseObject | undefined;
  /** The `acquireTime` this replica writes: a new one after every fence. */
  private incarnation = newIncarnation();
  /** The incarnation as the API server stored it (what the others put in their view ids). */
  private joinedAs = '';
  /** True once a write of the current incarnation succeeded within its renew deadline. */
  private registered = false;
  /**
   * The incarnation that was registered when the last successful LIST was sent: its Lease was
   * stored by then, so that LIST, and every later one of anybody, shows it.
   */
  private listedAs: string | undefined;
  /** When the last successful write of the current incarnation was sent, on `now()`. */
  private renewedAt = Number.NEGATIVE_INFINITY;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  /** The ack carried by the last successful write of the current incarnation. */
  private ackWritten = '';
  /** The ack the next write carries: the id of the last view drained for. */
  private ackToWrite = '';
  private acking = false;
  private observedView: ShardView | undefined;
  private activeView: ShardView | undefined;
  /** When the last successful LIST of the Leases was sent, on `now()`. */
  private listSentAt = Number.NEGATIVE_INFINITY;
  private writes: Promise<void> = Promise.resolve();
  private loops: Promise<unknown> | undefined;
  /** Aborted by a kill (the start signal) or by {@link stop}: ends the loops. */
  private readonly halt = new AbortController();
  private stopping: Promise<void> | undefined;

  /**
   * @param now - a monotonic clock in ms (tests pass a fake one); timers use the global `setTimeout`.
   * @throws ConfigError when `options` break the rules of `resolveSharding` (also when they did not
   * come from it).
   */
  constructor(
    private readonly api: ShardApi,
    private readonly options: ResolvedSharding,
    private readonly callbacks: ShardCallbacks,
    log?: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {
    const problems = shardingProblems(options);
    if (problems.length > 0) throw new ConfigError(problems);
    this.leaseName = shardLeaseName(options.group, options.identity);
    this.log = (log ?? silentLogger()).child({ shardGroup: options.group, identity: options.identity });
  }

  /** This replica's identity on the ring. */
  get identity(): string {
    return this.options.identity;
  }

  /** The identities of the observed view's members, sorted (empty before the first read). */
  get members(): readonly string[] {
    return this.observedView?.members ?? [];
  }

  /** The observed view: the live members. */
  get observed(): ShardView | undefined {
    return this.observedView;
  }

  /** The active view: the last observed view every member of which acknowledged it. */
  get active(): ShardView | undefined {
    return this.activeView;
  }

  /** True when this replica is on the ring: its Lease is renewed in time and it is not stopping. */
  get isMember(): boolean {
    return this.serving();
  }

  /** The member that owns the parent `key` (`namespace/name`, or `name`) under the observed view. */
  owner(key: ObjectKey): string | undefined {
    return ownerOfShardKey(shardKeyOfObjectKey(key, this.options.key), this.members);
  }

  /** The bucket of the parent `key`: what its shard label carries and ownership is decided by. */
  bucketOf(key: ObjectKey): number {
    return bucketOf(shardKeyOfObjectKey(key, this.options.key));
  }

  /**
   * True when this replica may reconcile the parent `key` now (see the rule in the class's
   * remarks). Cheap (a few hashes): ask before every reconcile, not once per parent.
   */
  mayReconcile(key: ObjectKey): boolean {
    return this.mayReconcileBucket(this.bucketOf(key));
  }

  /** {@link mayReconcile} for every parent of `bucket` (see {@link bucketOf}). */
  mayReconcileBucket(bucket: number): boolean {
    const observed = this.observedView;
    const active = this.activeView;
    if (!observed || !active || !this.serving()) return false;
    if (assignBuckets(observed.members)[bucket] !== this.identity) return false;
    return active.id === observed.id || assignBuckets(active.members)[bucket] === this.identity;
  }

  /**
   * Joins the ring and keeps renewing and reading the Leases in the background. Aborting `signal`
   * ends that at once without leaving the ring (as a killed process would: the others drop this
   * replica after its lease duration), and from then on {@link mayReconcile} is false. Calling it
   * again does nothing.
   */
  start(signal?: AbortSignal): void {
    if (this.loops || this.halt.signal.aborted) return;
    if (signal) {
      if (signal.aborted) this.end();
      else signal.addEventListener('abort', () => this.end(), { once: true });
    }
    const run = this.halt.signal;
    this.loops = Promise.all([
      this.every(run, () => this.writeOwn(run)),
      this.every(run, () => this.readMembers(run)),
    ]).catch((err: unknown) => this.log.error({ err }, 'the shard membership stopped unexpectedly'));
  }

  /**
   * Leaves the ring gracefully: refuses every parent at once, waits for `drain` of every parent,
   * then deletes the own Lease, so the others take its parents over at their next read instead of
   * after the lease duration. When the drain fails the Lease is left to expire instead. Resolves once
   * done; calling it again returns the same promise.
   */
  stop(): Promise<void> {
    this.stopping ??= this.leave();
    return this.stopping;
  }

  private async leave(): Promise<void> {
    const joined = this.loops !== undefined;
    this.end();
    await this.loops;
    await this.writes;
    if (!joined) return;
    try {
      await this.callbacks.drain(() => true, new AbortController().signal);
    } catch (err) {
      this.log.warn({ err }, 'could not drain before leaving the ring; leaving the Lease to expire');
      return;
    }
    try {
      await this.api.request({
        method: 'DELETE',
        path: leasePath(this.options.namespace, this.leaseName),
        timeoutMs: this.options.renewDeadlineMs,
      });
      this.log.info('left the shard ring');
    } catch (err) {
      if (!ApiError.isNotFound(err))
        this.log.warn({ err }, 'could not delete the shard Lease; it will expire');
    }
  }

  /** Ends the loops and refuses every parent from now on. */
  private end(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.halt.abort();
  }

  private serving(): boolean {
    return (
      this.registered &&
      !this.halt.signal.aborted &&
      this.now() < this.renewedAt + this.options.renewDeadlineMs
    );
  }

  /** Runs `step` now and then every retry period until `signal` aborts. */
  private async every(signal: AbortSignal, step: () => Promise<void>): Promise<void> {
    do await step();
    while (await pause(this.options.retryPeriodMs, signal));
  }

  /** Writes the own Lease (renewal and ack in one), one write at a time. */
  private writeOwn(signal: AbortSignal): Promise<void> {
    const next = this.writes.then(() => this.writeOnce(signal));
    this.writes = next.catch(() => {});
    return next;
  }

  private async writeOnce(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const incarnation = this.incarnation;
    const ack = this.ackToWrite;
    const { namespace, renewDeadlineMs } = this.options;
    const request = { signal, timeoutMs: renewDeadlineMs };
    // Sampled before anything is sent: the write cannot be stored, nor seen, any earlier, so a
    // deadline counted from here ends before the Lease can expire for anyone else.
    const writeStart = this.now();
    try {
      if (!this.own) {
        // A Lease of an earlier incarnation of this identity is taken over with a PUT.
        this.own = await this.api
          .request<ShardLeaseObject>({
            method: 'GET',
            path: leasePath(namespace, this.leaseName),
            ...request,
          })
          .catch((err: unknown) => {
            if (ApiError.isNotFound(err)) return undefined;
            throw err;
          });
      }
      const body = ownLeaseBody(
        {
          name: this.leaseName,
          namespace,
          group: this.options.group,
          identity: this.identity,
          incarnation,
          leaseDurationSeconds: Math.max(1, Math.ceil(this.options.leaseDurationMs / 1000)),
          renewTime: microTime(new Date()),
          ack,
        },
        this.own,
      );
      this.own = this.own
        ? await this.api.request<ShardLeaseObject>({
            method: 'PUT',
            path: leasePath(namespace, this.leaseName),
            body,
            ...request,
          })
        : await this.api.request<ShardLeaseObject>({
            method: 'POST',
            path: leasePath(namespace),
            body,
            ...request,
          });
    } catch (err) {
      if (signal.aborted) return;
      if (ApiError.isConflict(err) || ApiError.isNotFound(err)) this.own = undefined;
      if (ApiError.isNotFound(err) && this.registered) {
        // Someone deleted this replica's Lease: the others dropped it when they saw that.
        this.fence('the own Lease was deleted by someone else');
      }
      this.log.warn({ err: errorMessage(err) }, 'could not renew the shard Lease');
      return;
    }
    this.written(writeStart, incarnation, ack);
  }

  /** A write succeeded: renews the deadline (unless it came back too late), records the ack. */
  private written(writeStart: number, incarnation: string, ack: string): void {
    if (incarnation !== this.incarnation || this.halt.signal.aborted) return;
    const deadline = writeStart + this.options.renewDeadlineMs;
    if (this.now() >= deadline) {
      // The answer came after the deadline the write would set: the Lease may already have
      // expired for the others. The next renewal counts.
      this.log.warn('renewed the shard Lease too late to count; renewing again');
      return;
    }
    this.renewedAt = writeStart;
    this.ackWritten = ack;
    this.joinedAs = this.own?.spec?.acquireTime || incarnation;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.checkDeadline(), Math.max(0, deadline - this.now()));
    if (!this.registered) {
      this.registered = true;
      this.log.info({ incarnation }, 'joined the shard ring');
    }
    this.update();
  }

  private checkDeadline(): void {
    if (!this.registered || this.halt.signal.aborted) return;
    const deadline = this.renewedAt + this.options.renewDeadlineMs;
    if (this.now() < deadline) {
      this.watchdog = setTimeout(() => this.checkDeadline(), deadline - this.now());
      return;
    }
    this.fence(`could not renew the shard Lease within ${this.options.renewDeadlineMs} ms`);
  }

  /** Stops reconciling everything until a view with a new incarnation of this replica is active. */
  private fence(why: string): void {
    if (!this.registered) return;
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.registered = false;
    this.activeView = undefined;
    this.ackWritten = '';
    this.ackToWrite = '';
    // A new incarnation: acks the others wrote for views with the old one no longer count.
    this.incarnation = newIncarnation();
    this.log.error({ why }, 'fenced: reconciling nothing until the shard Lease is renewed');
    this.notify('onFenced', () => this.callbacks.onFenced?.());
    this.update();
  }

  /** Lists the group's Leases and updates the views. */
  private async readMembers(signal: AbortSignal): Promise<void> {
    const sentAt = this.now();
    const registeredAs = this.registered ? this.incarnation : undefined;
    let items: ShardLeaseObject[];
    try {
      const list = await this.api.request<{ items?: ShardLeaseObject[] }>({
        method: 'GET',
        path: leasePath(this.options.namespace),
        query: { labelSelector: `${SHARD_GROUP_LABEL}=${this.options.group}` },
        signal,
        timeoutMs: this.options.renewDeadlineMs,
      });
      items = list.items ?? [];
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err: errorMessage(err) }, 'could not list the shard Leases');
      return;
    }
    if (signal.aborted) return;
    const receivedAt = this.now();
    const seen = new Set<string>();
    for (const lease of items) {
      const name = lease.metadata.name;
      const record = readMember(lease);
      if (name === this.leaseName || !record || record.identity === this.identity) continue;
      seen.add(name);
      const before = this.peers.get(name);
      // Seen when the answer arrived: no earlier than when the record was stored.
      if (!before || !sameRecord(before.record, record))
        this.peers.set(name, {
          record,
          observedAt: receivedAt,
          resourceVersion: lease.metadata.resourceVersion,
        });
    }
    // A Lease gone from a LIST was deleted: its member left gracefully, at once.
    for (const name of this.peers.keys()) if (!seen.has(name)) this.peers.delete(name);
    this.listSentAt = sentAt;
    this.listedAs = registeredAs;
    this.update();
    await this.collectStale(signal);
  }

  /**
   * Deletes the Leases of members dead for {@link STALE_LEASE_DURATIONS} of their durations (a
   * killed replica with a random identity leaves one behind for ever otherwise). Only the first live
   * member by identity does it, and only if the Lease is still the one it listed (a precondition on
   * its resourceVersion): a member that came back meanwhile keeps its Lease.
   */
  private async collectStale(signal: AbortSignal): Promise<void> {
    const live = this.liveMembers()
      .map((m) => m.identity)
      .sort();
    if (!this.serving() || live[0] !== this.identity) return;
    for (const [name, peer] of this.peers) {
      if (
        this.live(peer) ||
        this.listSentAt < peer.observedAt + this.durationOf(peer) * STALE_LEASE_DURATIONS
      )
        continue;
      try {
        await this.api.request({
          method: 'DELETE',
          path: leasePath(this.options.namespace, name),
          body: {
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            preconditions: { resourceVersion: peer.resourceVersion },
          },
          signal,
          timeoutMs: this.options.renewDeadlineMs,
        });
        this.peers.delete(name);
        this.log.info({ member: peer.record.identity }, 'deleted the shard Lease of a member gone for long');
      } catch (err) {
        if (ApiError.isNotFound(err)) this.peers.delete(name);
        else if (!signal.aborted)
          this.log.debug(
            { err: errorMessage(err), member: peer.record.identity },
            'could not delete a stale shard Lease',
          );
      }
    }
  }

  /**
   * A peer is live unless a LIST sent after its recorded duration ran out (since this replica saw
   * its record change) still showed the same record.
   */
  private live(peer: Peer): boolean {
    return this.listSentAt < peer.observedAt + this.durationOf(peer);
  }

  /** The duration recorded in the peer's Lease, in ms. */
  private durationOf(peer: Peer): number {
    const recorded = peer.record.leaseDurationSeconds;
    // A record without a usable duration: waiting this replica's own duration is the safe reading.
    return recorded > 0 ? recorded * 1000 : this.options.leaseDurationMs;
  }

  /**
   * The live members and what each acknowledged; this replica with what its last write carried,
   * once a LIST sent after its Lease was stored came back. Two replicas that start together could
   * otherwise each read the Leases before the other's exists, each see itself alone and both
   * reconcile everything; with this rule, of two replicas the later to register always sees the
   * earlier, and waits for its ack.
   */
  private liveMembers(): (ViewMember & { ack: string })[] {
    const out: (ViewMember & { ack: string })[] = [];
    for (const peer of this.peers.values()) if (this.live(peer)) out.push(peer.record);
    if (this.serving() && this.listedAs === this.incarnation) {
      out.push({ identity: this.identity, incarnation: this.joinedAs, ack: this.ackWritten });
    }
    return out;
  }

  /** Recomputes the observed view, activates it when everyone acknowledged it, starts acking it. */
  private update(): void {
    if (this.halt.signal.aborted) return;
    const members = this.liveMembers();
    const view = makeView(members);
    if (view.id !== this.observedView?.id) {
      this.observedView = view;
      // An ack means "drained for this view": a drain for an earlier one does not count.
      this.ackToWrite = '';
      this.log.info({ view: view.id, members: view.members }, 'observed a new shard view');
      this.notify('onChange', () => this.callbacks.onChange?.(view));
    }
    const isMember = members.some((m) => m.identity === this.identity);
    if (isMember && this.activeView?.id !== view.id && members.every((m) => m.ack === view.id)) {
      this.activeView = view;
      this.log.info({ view: view.id, members: view.members }, 'activated a shard view');
      this.notify('onActivated', () => this.callbacks.onActivated?.(view));
    }
    if (isMember && this.ackWritten !== view.id) this.ackView(view);
  }

  /** Drains for `view` and writes its ack; one at a time, repeated for a newer view. */
  private ackView(view: ShardView): void {
    if (this.acking) return;
    this.acking = true;
    const signal = this.halt.signal;
    void this.drainAndAck(view, signal).finally(() => {
      this.acking = false;
      // A newer view arrived meanwhile: drain for it now. Otherwise a failure is retried at the
      // next read of the members.
      const now = this.observedView;
      if (now && now.id !== view.id) this.update();
    });
  }

  private async drainAndAck(view: ShardView, signal: AbortSignal): Promise<void> {
    try {
      await this.callbacks.drain((key) => this.ownerUnder(key, view) !== this.identity, signal);
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err }, 'draining the parents this replica lost failed');
      return;
    }
    if (signal.aborted || this.observedView?.id !== view.id) return;
    this.ackToWrite = view.id;
    await this.writeOwn(signal);
  }

  /** Runs a host callback; a throw must not stop the membership's loops. */
  private notify(name: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      this.log.error({ err, callback: name }, 'a shard membership callback threw');
    }
  }

  private ownerUnder(key: ObjectKey, view: ShardView): string | undefined {
    return assignBuckets(view.members)[this.bucketOf(key)];
  }
}

/**
 * A MicroTime for a new incarnation: now, with random microseconds, so two incarnations of one
 * identity started within the same millisecond (a fence and a quick rejoin) still differ.
 */
function newIncarnation(): string {
  const micros = String(Math.floor(Math.random() * 1000)).padStart(3, '0');
  return new Date().toISOString().replace(/Z$/, `${micros}Z`);
}
