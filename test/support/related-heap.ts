// Heap cost of a relation to Secrets: a host whose operator relates to Secrets in a namespace of
// 1,000 Secrets (about 1 KiB of data each, 10 of them referenced), against the same host and
// operator without the relation. Not a test (no timings are asserted anywhere); run by hand:
//
//   node dist/test/support/related-heap.js            # starts a minimal local control plane
//   OPERON_KUBECONFIG=... node dist/test/support/related-heap.js
//
// Each measurement runs in a fresh Node process (`--expose-gc`, related-heap-child.ts): the host
// starts, every parent reaches Synced=True, the process idles 2 s, then reports
// process.memoryUsage() after two full GCs. Variants alternate (without, with, without, with, ...)
// and the medians are printed.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { generateCrds } from '../../src/generate/crd.js';
import { ApiClient } from '../../src/runtime/api/api-client.js';
import { startControlPlane } from '../../src/testkit/control-plane.js';
import { installCrds } from '../../src/testkit/install.js';
import { heapConfig, type Measured, REFERENCED } from './related-heap-child.js';

const SECRETS = Number(process.env.SECRETS ?? 1000);
const RUNS = Number(process.env.RUNS ?? 3);
const MiB = 1024 * 1024;
const childScript = fileURLToPath(new URL('./related-heap-child.js', import.meta.url));

function runChild(variant: 'with' | 'without', kubeconfigPath: string, namespace: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', childScript, variant, kubeconfigPath, namespace], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`${variant} run exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as Measured);
    });
  });
}

async function main(): Promise<void> {
  const plane = await startControlPlane({ profile: 'minimal', log: (l) => process.stderr.write(`${l}\n`) });
  const api = new ApiClient(plane.kubeConfig, 'heap-setup');
  const namespace = `heap-${randomBytes(3).toString('hex')}`;
  try {
    await installCrds(plane.kubeConfig, generateCrds([heapConfig(false)]));
    await api.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
    // ~1 KiB of data per Secret: 768 random bytes, 1,024 characters once base64-encoded.
    const names = Array.from({ length: SECRETS }, (_, i) => `secret-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(
        names.slice(i, i + 25).map((name) =>
          api.request({
            method: 'POST',
            path: `/api/v1/namespaces/${namespace}/secrets`,
            body: {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name },
              data: { password: randomBytes(768).toString('base64') },
            },
          }),
        ),
      );
    }
    for (let i = 0; i < REFERENCED; i++) {
      await api.request({
        method: 'POST',
        path: `/apis/heap.operon.test/v1/namespaces/${namespace}/databases`,
        body: {
          apiVersion: 'heap.operon.test/v1',
          kind: 'Database',
          metadata: { name: `db-${i}` },
          spec: { passwordSecret: names[i * Math.floor(SECRETS / REFERENCED)] },
        },
      });
    }
    const results: Record<'with' | 'without', Measured[]> = { with: [], without: [] };
    for (let run = 0; run < RUNS; run++) {
      for (const variant of ['without', 'with'] as const) {
        const m = await runChild(variant, plane.kubeconfigPath, namespace);
        results[variant].push(m);
        process.stderr.write(
          `run ${run + 1} ${variant}: heapUsed ${(m.heapUsed / MiB).toFixed(1)} MiB, heapTotal ${(m.heapTotal / MiB).toFixed(1)} MiB, external ${(m.external / MiB).toFixed(1)} MiB, rss ${(m.rss / MiB).toFixed(1)} MiB, Secrets cached ${m.secretsCached} (${m.secretsWithData} with data)\n`,
        );
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const row = (variant: 'with' | 'without') => ({
      heapUsedMiB: +(median(results[variant].map((m) => m.heapUsed)) / MiB).toFixed(1),
      rssMiB: +(median(results[variant].map((m) => m.rss)) / MiB).toFixed(1),
      secretsCached: results[variant][0]?.secretsCached ?? 0,
      secretsWithData: results[variant][0]?.secretsWithData ?? 0,
    });
    const withRow = row('with');
    const withoutRow = row('without');
    process.stdout.write(
      `${JSON.stringify(
        {
          secrets: SECRETS,
          referenced: REFERENCED,
          runs: RUNS,
          without: withoutRow,
          with: withRow,
          heapDeltaMiB: +(withRow.heapUsedMiB - withoutRow.heapUsedMiB).toFixed(1),
          perSecretKiB: +(((withRow.heapUsedMiB - withoutRow.heapUsedMiB) * 1024) / SECRETS).toFixed(2),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    api.close();
    await plane.stop();
  }
}

await main();
