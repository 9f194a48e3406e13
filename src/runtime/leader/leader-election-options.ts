import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError } from '../../errors/operon-error.js';

/**
 * Leader election of one application: every replica competes for one Lease, and only its holder
 * reconciles.
 *
 * @remarks
 * The durations mean what they mean in client-go (and so controller-runtime), with the same defaults:
 * - `leaseDurationMs` (15 s): how long the lease this replica writes is valid. The holder records it
 *   in the Lease (`leaseDurationSeconds`, whole seconds, rounded up), and every follower waits that
 *   recorded duration, after it last saw the Lease change, before taking it over: its own setting
 *   matters only once it holds the Lease. This is the worst-case takeover time after a leader dies
 *   without releasing.
 * - `renewDeadlineMs` (10 s): how long after it sent its last successful write of the Lease the
 *   leader may go without another before it gives up leadership. Shorter than the lease duration,
 *   so a leader that cannot renew signals the loss (see `LeaderElector.lostSignal`) at least
 *   `leaseDurationMs - renewDeadlineMs` before any other replica may take over. As renewals are a
 *   retry period apart, the round trips of two consecutive renewals may take up to
 *   `renewDeadlineMs - retryPeriodMs` (8 s) together.
 * - `retryPeriodMs` (2 s): how often candidates try to acquire and the leader renews (candidates add
 *   up to 20 % jitter).
 */
export interface LeaderElectionOptions {
  /** Name of the Lease, one per application (all its operators share it), e.g. `echo-server-operator`. */
  leaseName: string;
  /**
   * Namespace of the Lease. Default: the `POD_NAMESPACE` environment variable, else the namespace of
   * the in-cluster service account; outside a cluster without either, starting fails and says so.
   */
  namespace?: string;
  /** This replica's name in the Lease. Default: `<hostname>_<random UUID>` (controller-runtime's form). */
  identity?: string;
  /** Default 15 000. */
  leaseDurationMs?: number;
  /** Default 10 000. */
  renewDeadlineMs?: number;
  /** Default 2 000. */
  retryPeriodMs?: number;
  /**
   * Release the Lease on a graceful stop, so a successor takes over at once instead of after
   * `leaseDurationMs` (client-go's `ReleaseOnCancel`). Default true. The release happens only after
   * every in-flight reconcile has finished; when the shutdown timeout cut some short, the Lease is
   * left to expire instead, so two leaders never run at once.
   */
  releaseOnStop?: boolean;
}

/** {@link LeaderElectionOptions} with every default resolved. */
export type ResolvedLeaderElection = Required<LeaderElectionOptions>;

/** client-go's defaults. */
export const LEADER_ELECTION_DEFAULTS = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
} as const;

/** Candidates wait `retryPeriodMs` plus up to this fraction of it between attempts. */
export const RETRY_JITTER = 0.2;

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * Fills in the defaults and checks the options, throwing one {@link ConfigError} that lists every
 * problem (for the durations, the rules client-go enforces: lease duration > renew deadline >
 * retry period × 1.2, all positive).
 */
export function resolveLeaderElection(
  options: LeaderElectionOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedLeaderElection {
  const r: ResolvedLeaderElection = {
    leaseName: options.leaseName,
    namespace: options.namespace ?? defaultNamespace(env) ?? '',
    identity: options.identity ?? `${hostname()}_${randomUUID()}`,
    leaseDurationMs: options.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs,
    renewDeadlineMs: options.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs,
    retryPeriodMs: options.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs,
    releaseOnStop: options.releaseOnStop ?? true,
  };
  const problems: string[] = [];
  const where = 'leaderElection';
  if (!r.leaseName || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(r.leaseName)) {
    problems.push(
      `${where}.leaseName "${r.leaseName}" is not a valid object name (lower-case letters, digits, "-" and "."): name the Lease after the application, e.g. "echo-server-operator".`,
    );
  }
  if (!r.namespace) {
    problems.push(
      `${where}.namespace is not set and cannot be guessed (no POD_NAMESPACE variable, not running in a cluster): set leaderElection.namespace.`,
    );
  }
  if (!r.identity) problems.push(`${where}.identity must not be empty.`);
  problems.push(...timingProblems(r));
  if (problems.length > 0) throw new ConfigError(problems);
  return r;
}

/** How {@link timingProblems} names the options in its messages, and what goes wrong without the rule. */
export interface TimingContext {
  /** The options' path in messages, e.g. `leaderElection`. */
  readonly where: string;
  /** What two replicas may then do at once, e.g. `two leaders may overlap`. */
  readonly overlap: string;
}

const LEADER_TIMING_CONTEXT: TimingContext = { where: 'leaderElection', overlap: 'two leaders may overlap' };

/**
 * What is wrong with the durations of `o`, one message per problem (empty when they are usable).
 *
 * @remarks
 * `renewDeadlineMs < leaseDurationMs` is what makes a lost Lease safe: the leader signals the loss
 * at most `renewDeadlineMs` after it started its last successful write, while no other replica may
 * take over until the recorded duration (at least `leaseDurationMs`) has passed since it saw that
 * write. Shared by {@link resolveLeaderElection} and the `LeaderElector` constructor, so an elector
 * built from hand-made options is held to the same rules, and by the shard membership, whose
 * fencing rests on the same inequality.
 *
 * @param context - how the messages name the options and the overlap the rule prevents (default:
 * leader election's).
 */
export function timingProblems(
  o: Pick<ResolvedLeaderElection, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>,
  context: TimingContext = LEADER_TIMING_CONTEXT,
): string[] {
  const problems: string[] = [];
  const { where, overlap } = context;
  for (const key of ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs'] as const) {
    if (!(Number.isFinite(o[key]) && o[key] > 0))
      problems.push(`${where}.${key} must be a positive number of ms.`);
  }
  if (!(o.leaseDurationMs > o.renewDeadlineMs)) {
    problems.push(
      `${where}.leaseDurationMs (${o.leaseDurationMs}) must be greater than renewDeadlineMs (${o.renewDeadlineMs}): a replica that cannot renew its lease gives up at the renew deadline, and that must come before the lease it wrote can expire for the other replicas, or ${overlap}. Lower renewDeadlineMs or raise leaseDurationMs (client-go's defaults are 15000 and 10000).`,
    );
  }
  if (!(o.renewDeadlineMs > o.retryPeriodMs * (1 + RETRY_JITTER))) {
    problems.push(
      `${where}.renewDeadlineMs (${o.renewDeadlineMs}) must be greater than retryPeriodMs × ${1 + RETRY_JITTER} (${o.retryPeriodMs * (1 + RETRY_JITTER)}), so a renewal can be retried before the deadline.`,
    );
  }
  return problems;
}

/** `POD_NAMESPACE`, else the in-cluster service account's namespace, else undefined (outside a cluster). */
export function defaultNamespace(env: NodeJS.ProcessEnv): string | undefined {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    if (existsSync(SERVICE_ACCOUNT_NAMESPACE)) return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
  } catch {
    // Unreadable: treated as outside a cluster.
  }
  return undefined;
}
