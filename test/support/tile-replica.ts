// One replica of a sharded Tile operator, as the sharding tests and the shards benchmark start
// several of them: the whole production app (runOperators, not embedded) with its own identity,
// plain-HTTP metrics on a free port, and its identity in its user agent, so the API server's audit
// log says which replica sent each write. On start-up it prints one JSON line
// `{"msg":"replica ready","metricsUrl":...}`.
//   KUBECONFIG, WATCH_NAMESPACE, POD_NAMESPACE (the Leases), REPLICA (identity)
//   SHARD_LEASE_MS, SHARD_RENEW_MS, SHARD_RETRY_MS: Lease timings (unset: Operon's defaults)
//   LOG_LEVEL: default info (the benchmark runs at warn: a line per child write costs more than it)
import 'reflect-metadata';
import { buildOperatorConfig, runOperators } from '../../src/index.js';
import { TileOperator } from './tile-operator.js';

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
  logging: { level: (env.LOG_LEVEL as 'info' | 'warn' | undefined) ?? 'info', format: 'json' },
});
process.stdout.write(`${JSON.stringify({ msg: 'replica ready', metricsUrl: app.metricsUrl, identity })}\n`);
