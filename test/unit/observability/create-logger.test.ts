import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { createLogger } from '../../../src/observability/create-logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const savedLevel = process.env.LOG_LEVEL;
afterEach(() => {
  if (savedLevel === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = savedLevel;
});

describe('createLogger', () => {
  it('writes one JSON object per line, with the base fields and child bindings', () => {
    const out = capture();
    const log = createLogger({ format: 'json', destination: out.stream, base: { app: 'echo' } });
    log
      .child({ operator: 'echo-server' })
      .child({ namespace: 'demo', name: 'web', reconcileId: 'ab12' })
      .info('created Pod');
    const [line] = out.lines();
    assert.equal(line.msg, 'created Pod');
    assert.equal(line.app, 'echo');
    assert.equal(line.operator, 'echo-server');
    assert.equal(line.namespace, 'demo');
    assert.equal(line.name, 'web');
    assert.equal(line.reconcileId, 'ab12');
    assert.equal(typeof line.time, 'string', 'ISO time, readable in any log viewer');
  });

  it('never writes Secret data, whether logged as an object, nested, or bound to a child logger', () => {
    const out = capture();
    const log = createLogger({ format: 'json', destination: out.stream });
    const secret = { kind: 'Secret', metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' } };
    log.info(secret, 'the secret itself');
    log.info({ children: [secret] }, 'a sync response');
    log.child({ child: secret }).warn('bound');
    log.info(
      { headers: { authorization: 'Bearer abc.def' }, token: 'xyz', kind: 'Secret', stringData: { a: 'b' } },
      'creds',
    );
    const text = out.text();
    for (const leaked of ['aHVudGVyMg==', 'Bearer abc.def', 'xyz', '"a":"b"']) {
      assert.ok(!text.includes(leaked), `${leaked} leaked into: ${text}`);
    }
    assert.equal(out.lines().length, 4);
    assert.deepEqual((out.lines()[0].data as Record<string, string>).password, '[REDACTED]');
  });

  it('takes its level from the option, else LOG_LEVEL, else info', () => {
    const out = capture();
    process.env.LOG_LEVEL = 'warn';
    const fromEnv = createLogger({ format: 'json', destination: out.stream });
    assert.equal(fromEnv.level, 'warn');
    fromEnv.info('dropped');
    fromEnv.warn('kept');
    assert.deepEqual(
      out.lines().map((l) => l.msg),
      ['kept'],
    );
    assert.equal(createLogger({ format: 'json', level: 'debug', destination: out.stream }).level, 'debug');
    delete process.env.LOG_LEVEL;
    assert.equal(createLogger({ format: 'json', destination: out.stream }).level, 'info');
  });

  it('rejects an unknown LOG_LEVEL with the valid ones', () => {
    process.env.LOG_LEVEL = 'verbose';
    assert.throws(
      () => createLogger({ format: 'json' }),
      /LOG_LEVEL="verbose" is not a log level; use one of fatal, error/,
    );
  });
});
