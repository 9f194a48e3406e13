#!/usr/bin/env node
// The public API report: one `api/<entry>.api.md` per package entry point (`operon`,
// `operon/runtime`, ...), written by API Extractor from the compiled declarations. Committed, and
// checked in CI (`npm run api:check`, part of `npm run lint`), so that a change to what the package
// exports is always deliberate: run `npm run api:update` and commit the new report with the change.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const base = JSON.parse(readFileSync(join(root, 'api/api-extractor.base.json'), 'utf8'));

let changed = 0;
for (const [subpath, target] of Object.entries(pkg.exports)) {
  const name = subpath === '.' ? 'operon' : `operon-${subpath.slice(2)}`;
  const config = ExtractorConfig.prepare({
    configObject: {
      ...base,
      projectFolder: root,
      mainEntryPointFilePath: join(root, target.types),
      compiler: { tsconfigFilePath: join(root, 'api/tsconfig.api.json') },
      apiReport: {
        ...base.apiReport,
        reportFileName: `${name}.api.md`,
        reportFolder: join(root, 'api'),
        reportTempFolder: join(root, 'dist/api-temp'),
      },
    },
    configObjectFullPath: join(root, 'api/api-extractor.base.json'),
    packageJsonFullPath: join(root, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  if (result.apiReportChanged) {
    changed++;
    process.stderr.write(
      update
        ? `api: updated api/${name}.api.md\n`
        : `api: the public API of '${subpath === '.' ? 'operon' : `operon/${subpath.slice(2)}`}' changed; see dist/api-temp/${name}.api.md. If that is intended, run \`npm run api:update\` and commit api/${name}.api.md.\n`,
    );
  }
  if (!result.succeeded && !result.apiReportChanged) {
    process.stderr.write(`api: API Extractor failed for ${subpath} (${result.errorCount} errors)\n`);
    process.exitCode = 1;
  }
}
if (changed > 0 && !update) process.exitCode = 1;
else if (changed === 0) process.stderr.write('api: every public API report is up to date\n');
