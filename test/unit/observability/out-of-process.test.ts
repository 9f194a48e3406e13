import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callOutOfProcess } from '../../../src/observability/secure-serving/out-of-process.js';

const fixture = new URL('../../support/out-of-process-fixture.js', import.meta.url).href;

describe('callOutOfProcess', () => {
  it('runs the function in another process and returns its structured-cloned result', async () => {
    const result = await callOutOfProcess<{ pid: number; year: number; label: string }>({
      moduleUrl: fixture,
      exportName: 'describeCall',
      args: [new Date(Date.UTC(2031, 5, 1)), 'ünïcode ✓'],
    });
    assert.notEqual(result.pid, process.pid);
    // A Date argument arrives as a Date (getUTCFullYear would throw on a string).
    assert.deepEqual({ year: result.year, label: result.label }, { year: 2031, label: 'ünïcode ✓' });
  });

  it("throws the function's own message when it throws", async () => {
    await assert.rejects(
      callOutOfProcess({ moduleUrl: fixture, exportName: 'refuse', args: ['the CA key'] }),
      { message: 'the CA key is not a PKCS#8 key' },
    );
  });

  it('names a missing function', async () => {
    await assert.rejects(callOutOfProcess({ moduleUrl: fixture, exportName: 'absent', args: [] }), {
      message: /exports no function absent/,
    });
  });

  it('runs in this process when no Node can be started', async () => {
    const execPath = process.execPath;
    process.execPath = '/nonexistent/node';
    try {
      const result = await callOutOfProcess<{ pid: number }>({
        moduleUrl: fixture,
        exportName: 'describeCall',
        args: [new Date(), 'here'],
      });
      assert.equal(result.pid, process.pid);
    } finally {
      process.execPath = execPath;
    }
  });
});
