/**
 * @packageDocumentation
 * Lease-based leader election, one Lease per application: only the holder reconciles.
 */

export {
  LEADER_ELECTION_DEFAULTS,
  type LeaderElectionOptions,
  RETRY_JITTER,
  type ResolvedLeaderElection,
  resolveLeaderElection,
} from './leader-election-options.js';
export {
  type LeaderCallbacks,
  LeaderElector,
  type LeadershipEndReason,
  LeadershipLost,
} from './leader-elector.js';
export { KubeLeaseLock, type LeaderElectionRecord, type LeaseLock, microTime } from './lease-lock.js';
