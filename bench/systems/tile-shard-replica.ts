// One replica of the sharded Tile operator for the shards benchmark (bench/shards.ts), run as its own
// process so that its CPU and memory can be measured: the Tile operator of the sharding tests
// (test/support/tile-operator.ts: 3 children per parent, status {round}) under runOperators, as in
// production (not embedded), with its own identity on the ring, plain-HTTP metrics on a free port,
// and only warnings and errors logged (an info line per child write would cost the replica
// more than the writes). On start-up it prints one JSON line `{"msg":"replica ready","metricsUrl":...}`.
// Not a benchmark module itself (bench/run.ts only loads bench/*.js).
//   KUBECONFIG, WATCH_NAMESPACE, POD_NAMESPACE (the Leases), REPLICA (identity)
//   SHARD_LEASE_MS, SHARD_RENEW_MS, SHARD_RETRY_MS: Lease timings (unset: Operon's defaults)
import 'reflect-metadata';
import { buildOperatorConfig, runOperators } from '../../src/index.js';
import { TileOperator } from '../../test/support/tile-operator.js';

const env = process.env;
const identity = env.REPLICA ?? 'replica';
const ms = (v: string | undefined): number | undefined => (v ? Number(v) : undefined);
const app = await runOperators([buildOperatorConfig(new TileOperator())], {
  namespaces: [env.WATCH_NAMESPACE ?? 'default'],
  component: `tile-${identity}`,
  sharding: {
    group: 'tile',
    identity,
    namespace: env.POD_NAMESPACE,
    leaseDurationMs: ms(env.SHARD_LEASE_MS),
    renewDeadlineMs: ms(env.SHARD_RENEW_MS),
    retryPeriodMs: ms(env.SHARD_RETRY_MS),
  },
  healthServer: false,
  metricsServer: { host: '127.0.0.1', port: 0, secure: false },
  logging: { level: 'warn', format: 'json' },
});
process.stdout.write(`${JSON.stringify({ msg: 'replica ready', metricsUrl: app.metricsUrl, identity })}\n`);
