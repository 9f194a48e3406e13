// The one test entry point (`npm test`): starts the local control plane (or uses the cluster in
// OPERON_KUBECONFIG / KUBECONFIG) once for the whole run, runs every test file with node's test
// runner, stops the control plane, and ends with a plain `N passed, N failed` line for CI.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../src/testkit/control-plane.js';

const distRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function findTests(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (entry.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

// The NestJS adapter is its own package, compiled into nest-adapter/dist by `npm run build`.
const nestTests = join(distRoot, '..', 'nest-adapter', 'dist', 'test');
const unit = [
  ...findTests(join(distRoot, 'test', 'unit')),
  ...findTests(join(distRoot, 'examples')),
  ...findTests(join(nestTests, 'unit')),
];
const integration = unitOnly
  ? []
  : [...findTests(join(distRoot, 'test', 'integration')), ...findTests(join(nestTests, 'integration'))];
let files = [...unit, ...integration];
if (filters.length > 0) files = files.filter((f) => filters.some((flt) => f.includes(flt)));

const controlPlane =
  integration.length > 0 && files.some((f) => integration.includes(f))
    ? await startControlPlane({ log: (l) => process.stderr.write(`${l}\n`) })
    : undefined;

const tapDir = mkdtempSync(join(tmpdir(), 'operon-tap-'));
const tapFile = join(tapDir, 'out.tap');
const code = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    [
      '--test',
      // Per test file: the idle-examples test alone runs five minutes.
      '--test-timeout=600000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        ...(controlPlane
          ? {
              OPERON_TEST_KUBECONFIG: controlPlane.kubeconfigPath,
              OPERON_TEST_LOCAL: controlPlane.external ? '0' : '1',
            }
          : {}),
      },
    },
  );
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
});
await controlPlane?.stop();

const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
rmSync(tapDir, { recursive: true, force: true });
const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
const passed = count('pass');
const failed = count('fail');
const skipped = count('skipped') + count('todo');
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(code !== 0 ? code : failed > 0 ? 1 : 0);
