// One replica of a sharded Tile operator, as the sharding tests start several of them: the whole
// production app (runOperators, not embedded) with short Lease timings, its own identity, plain
// HTTP metrics on a free port, and its identity in its user agent, so the API server's audit log
// says which replica sent each write.
//   KUBECONFIG, WATCH_NAMESPACE, POD_NAMESPACE (the Leases), REPLICA (identity)
import 'reflect-metadata';
import { buildOperatorConfig, runOperators } from '../../src/index.js';
import { TileOperator } from './tile-operator.js';

const env = process.env;
const identity = env.REPLICA ?? 'replica';
const app = await runOperators([buildOperatorConfig(new TileOperator())], {
  namespaces: [env.WATCH_NAMESPACE ?? 'default'],
  component: `tile-${identity}`,
  sharding: {
    group: 'tile',
    identity,
    namespace: env.POD_NAMESPACE,
    leaseDurationMs: 3_000,
    renewDeadlineMs: 2_000,
    retryPeriodMs: 500,
  },
  healthServer: false,
  metricsServer: { host: '127.0.0.1', port: 0, secure: false },
  logging: { level: 'info', format: 'json' },
});
app.log.info({ metricsUrl: app.metricsUrl, identity }, 'replica ready');
