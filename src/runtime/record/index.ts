/**
 * @packageDocumentation
 * Recording of real sync traffic: each distinct request an operator's `sync` sees (parent, current
 * children, related objects) and the response it returned, as stable, redacted JSON fixtures that
 * the test kit's `replayFixtures` runs again without a cluster.
 */

export {
  buildFixture,
  FIXTURE_FORMAT,
  fixturePath,
  fixtureText,
  type LoadedFixture,
  type RecordedParent,
  readFixtures,
  recordedObject,
  recordedResponse,
  requestHash,
  type SyncFixture,
} from './fixture.js';
export {
  NO_RULES,
  REDACTED_VALUE,
  type RedactOptions,
  type RedactRules,
  redactObject,
  redactRules,
} from './redact.js';
export { type RecordOptions, type RecordStats, type SyncObserver, SyncRecorder } from './sync-recorder.js';
