import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError } from '../../errors/operon-error.js';
import {
  defaultNamespace,
  LEADER_ELECTION_DEFAULTS,
  timingProblems,
} from '../leader/leader-election-options.js';
import type { ShardKeyBy } from './ring.js';

/**
 * Sharding of one application's parents over its replicas: each replica reconciles only the parents
 * it owns on a hash ring of the live replicas.
 *
 * @remarks
 * The durations mean what they mean for leader election (same defaults, same rules), applied to the
 * Lease each replica keeps as its membership:
 * - `leaseDurationMs` (15 s): written into the replica's Lease; the others drop a replica that has
 *   not renewed for the duration *it recorded*, measured on their own clocks.
 * - `renewDeadlineMs` (10 s): a replica that has not renewed within this time after it sent its
 *   last successful renewal stops reconciling everything (it is fenced). Shorter than the lease
 *   duration, so it stops before anyone else may take its parents over.
 * - `retryPeriodMs` (2 s): how often a replica renews its Lease and reads the others'.
 */
export interface ShardingOptions {
  /**
   * How the replicas are counted: `'auto'` (the default, and the only mode), from the live
   * membership Leases, so replicas can be added and removed (`kubectl scale`) without a
   * configuration change.
   */
  replicas?: 'auto';
  /**
   * Name of the ring, shared by the replicas of one application: the value of the
   * `operon.dev/shard-group` label on their Leases and part of the Leases' names. The caller
   * derives a default (the application's name); a DNS label of at most 40 characters.
   */
  group?: string;
  /** This replica's identity on the ring, unique per replica. Default: `<hostname>_<random UUID>`. */
  identity?: string;
  /**
   * Namespace of the membership Leases. Default: `POD_NAMESPACE`, else the in-cluster service
   * account's namespace, else `default`.
   */
  namespace?: string;
  /** Place parents by `namespace/name` (default) or by namespace alone. */
  key?: ShardKeyBy;
  /** Default 15 000. */
  leaseDurationMs?: number;
  /** Default 10 000. */
  renewDeadlineMs?: number;
  /** Default 2 000. */
  retryPeriodMs?: number;
}

/** {@link ShardingOptions} with every default resolved. */
export type ResolvedSharding = Required<ShardingOptions>;

/**
 * The longest group name: it goes into every Lease name after `operon-shard-` and before the
 * identity, and a label value may not exceed 63 characters.
 */
const MAX_GROUP = 40;

/**
 * Fills in the defaults of `options` (`group` must be set by now: the caller derives it) and checks
 * them, throwing one {@link ConfigError} that lists every problem (see {@link shardingProblems}).
 */
export function resolveSharding(
  options: ShardingOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedSharding {
  const r: ResolvedSharding = {
    replicas: options.replicas ?? 'auto',
    group: options.group ?? '',
    identity: options.identity ?? `${hostname()}_${randomUUID()}`,
    namespace: options.namespace ?? defaultNamespace(env) ?? 'default',
    key: options.key ?? 'name',
    leaseDurationMs: options.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs,
    renewDeadlineMs: options.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs,
    retryPeriodMs: options.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs,
  };
  const problems = shardingProblems(r);
  if (problems.length > 0) throw new ConfigError(problems);
  return r;
}

/**
 * What is wrong with resolved sharding options, one message per problem (empty when usable). The
 * durations follow leader election's rules, for the same reason: a replica must fence itself
 * before its Lease can expire for the others.
 */
export function shardingProblems(r: ResolvedSharding): string[] {
  const problems: string[] = [];
  if (!(r.group.length <= MAX_GROUP && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r.group))) {
    problems.push(
      `sharding.group "${r.group}" must be 1 to ${MAX_GROUP} lower-case letters, digits and "-" (it names the Leases and labels them): use the application's name, e.g. "echo-server".`,
    );
  }
  if (r.replicas !== 'auto') {
    problems.push(
      `sharding.replicas must be "auto", not ${JSON.stringify(r.replicas)}: replicas are counted from their membership Leases, so scale the Deployment instead of configuring a number.`,
    );
  }
  if (!r.identity) problems.push('sharding.identity must not be empty.');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r.namespace) || r.namespace.length > 63) {
    problems.push(`sharding.namespace "${r.namespace}" is not a valid namespace name.`);
  }
  if (r.key !== 'name' && r.key !== 'namespace') {
    problems.push(`sharding.key must be "name" or "namespace", not "${String(r.key)}".`);
  }
  problems.push(
    ...timingProblems(r, {
      where: 'sharding',
      overlap: 'two replicas may reconcile the same parent at once',
    }),
  );
  return problems;
}
