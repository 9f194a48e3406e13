// The EchoServer operator as it runs in a cluster: `node dist/examples/echo-server/main.js`.
//
// Configured by environment variables, as a Deployment would set them:
//   WATCH_NAMESPACE     namespaces to watch, comma-separated (default: all)
//   POD_NAMESPACE       namespace of the leader Lease (set it from the downward API)
//   LEADER_ELECT        "false" runs without leader election (one replica only)
//   LEASE_NAME          default "echo-server-operator"
//   OPERON_IDENTITY     this replica's name in the Lease (default: hostname + random id)
//   LEASE_DURATION_MS / RENEW_DEADLINE_MS / RETRY_PERIOD_MS   default 15000 / 10000 / 2000
//   HEALTH_PORT / METRICS_PORT   default 8081 / 8443 (metrics over HTTPS for authorized scrapers;
//                                0: any free port; the log says which)
//   SHUTDOWN_TIMEOUT_MS default 30000
//   LOG_LEVEL / LOG_FORMAT       default info / auto (JSON unless stdout is a terminal)
//   KUBECONFIG          outside a cluster
import 'reflect-metadata';
import { Container } from 'inversify';
import { runOperators } from 'operon';
import { EchoImage, EchoServerOperator } from './echo-server.js';

const env = process.env;
const number = (name: string): number | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}="${raw}" is not a number.`);
  return n;
};

const container = new Container();
container.bind(EchoImage).toSelf();
container.bind(EchoServerOperator).toSelf();

await runOperators(container, {
  component: 'echo-server-operator',
  namespaces: env.WATCH_NAMESPACE ? env.WATCH_NAMESPACE.split(',').map((s) => s.trim()) : undefined,
  leaderElection:
    env.LEADER_ELECT === 'false'
      ? false
      : {
          leaseName: env.LEASE_NAME ?? 'echo-server-operator',
          identity: env.OPERON_IDENTITY || undefined,
          leaseDurationMs: number('LEASE_DURATION_MS'),
          renewDeadlineMs: number('RENEW_DEADLINE_MS'),
          retryPeriodMs: number('RETRY_PERIOD_MS'),
        },
  healthServer: { port: number('HEALTH_PORT') },
  metricsServer: { port: number('METRICS_PORT') },
  shutdownTimeoutMs: number('SHUTDOWN_TIMEOUT_MS'),
  logging: { base: { app: 'echo-server-operator' } },
});
