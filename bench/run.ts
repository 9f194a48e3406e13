// `npm run bench [name...] [--out dir]`: runs every benchmark in this folder (each module that
// exports `run()`), one after the other (they share 2 cores with everything else, so never in
// parallel), and prints each one's Markdown result. With `--out`, also writes `<dir>/<name>.md`.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outDir = outIndex >= 0 ? args[outIndex + 1] : undefined;
if (outIndex >= 0 && !outDir) throw new Error('--out needs a folder');
const names = args.filter((a, i) => !a.startsWith('--') && (outIndex < 0 || i !== outIndex + 1));

function isBenchmark(mod: unknown): mod is { run: () => Promise<BenchResult> } {
  return typeof mod === 'object' && mod !== null && 'run' in mod && typeof mod.run === 'function';
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .filter((f) => names.length === 0 || names.includes(basename(f, '.js')))
  .sort();
let ran = 0;
for (const file of files) {
  const mod: unknown = await import(pathToFileURL(join(here, file)).href);
  if (!isBenchmark(mod)) continue; // a helper module, such as harness.js
  ran++;
  const result = await mod.run();
  process.stdout.write(`${result.markdown}\n\n`);
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, `${result.name}.md`), `${result.markdown}\n`);
  }
}
if (ran === 0) {
  process.stderr.write(`no benchmark matched ${names.join(', ') || '(none found)'}\n`);
  process.exitCode = 1;
}
