// The public API is deliberate: the committed reports in api/ must match what the compiled package
// exports (scripts/api-report.mjs, API Extractor). A change to an export fails here until the
// report is regenerated with `npm run api:update` and committed with the change.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('public API report', () => {
  it('matches what every entry point of the package exports', async () => {
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ['scripts/api-report.mjs'], { cwd: root }, (error, _stdout, err) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stderr: err }),
      );
    });
    assert.equal(code, 0, stderr);
  });
});
