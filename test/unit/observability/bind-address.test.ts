import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parseBindAddress } from '../../../src/app/bind-address.js';
import { planEndpoints } from '../../../src/app/endpoint-plan.js';
import { ConfigError } from '../../../src/errors/operon-error.js';

describe('parseBindAddress', () => {
  it("reads controller-runtime's forms: :port, host:port, [ipv6]:port, and 0 for off", () => {
    assert.deepEqual(parseBindAddress(':8443'), { port: 8443 });
    assert.deepEqual(parseBindAddress('127.0.0.1:8081'), { host: '127.0.0.1', port: 8081 });
    assert.deepEqual(parseBindAddress('localhost:9000'), { host: 'localhost', port: 9000 });
    assert.deepEqual(parseBindAddress('[::1]:8443'), { host: '::1', port: 8443 });
    assert.deepEqual(parseBindAddress('[::]:8443'), { host: '::', port: 8443 });
    assert.deepEqual(parseBindAddress(':0'), { port: 0 }, ':0 is any free port');
    assert.equal(parseBindAddress('0'), false, '0 alone turns the server off');
    assert.deepEqual(parseBindAddress('8081'), { port: 8081 }, 'a bare port can only mean one thing');
  });

  it('refuses anything else, saying what a bind address looks like', () => {
    for (const bad of [
      '',
      'localhost',
      '::1:8443',
      '8443:localhost',
      ':65536',
      'host:port',
      ':-1',
      '[::1]',
    ]) {
      assert.throws(
        () => parseBindAddress(bad),
        /is not a bind address: use host:port \(127\.0\.0\.1:8443, \[::1\]:8443\), :port for every interface, or 0/,
        bad,
      );
    }
  });
});

describe('planEndpoints', () => {
  it('defaults: probes on :8081 over HTTP, secure metrics on :8443 with a self-signed certificate, 10 s cache', () => {
    assert.deepEqual(planEndpoints({}), {
      health: { port: 8081 },
      metrics: { listen: { port: 8443 }, secure: { certificate: 'self-signed', authCacheTtlMs: 10_000 } },
      shared: false,
    });
  });

  it('secure: false serves plain HTTP on 8080 by default', () => {
    assert.deepEqual(planEndpoints({ metricsServer: { secure: false } }).metrics, { listen: { port: 8080 } });
    assert.deepEqual(
      planEndpoints({ metricsServer: { secure: false, port: 9090, host: '127.0.0.1' } }).metrics,
      {
        listen: { port: 9090, host: '127.0.0.1' },
      },
    );
  });

  it('keeps the bind host, and turns servers off with false or when the host records no metrics', () => {
    const plan = planEndpoints({ healthServer: { host: '127.0.0.1', port: 0 }, metricsServer: false });
    assert.deepEqual(plan, { health: { host: '127.0.0.1', port: 0 }, metrics: undefined, shared: false });
    assert.equal(planEndpoints({}, false).metrics, undefined);
    assert.equal(planEndpoints({ healthServer: false }).health, undefined);
  });

  it('reads certificates from certDir (tls.crt and tls.key unless named), or from two files', () => {
    const secure = (metricsServer: object) => planEndpoints({ metricsServer }).metrics?.secure?.certificate;
    assert.deepEqual(secure({ certDir: '/certs' }), {
      certFile: resolve('/certs/tls.crt'),
      keyFile: resolve('/certs/tls.key'),
    });
    assert.deepEqual(secure({ certDir: '/certs', certFile: 'c.pem', keyFile: '/k/k.pem' }), {
      certFile: resolve('/certs/c.pem'),
      keyFile: resolve('/k/k.pem'),
    });
    assert.deepEqual(secure({ certFile: 'c.pem', keyFile: 'k.pem' }), {
      certFile: resolve('c.pem'),
      keyFile: resolve('k.pem'),
    });
  });

  it('shares one server only for the same host and a fixed, equal port', () => {
    assert.equal(planEndpoints({ healthServer: { port: 9000 }, metricsServer: { port: 9000 } }).shared, true);
    assert.equal(planEndpoints({ healthServer: { port: 0 }, metricsServer: { port: 0 } }).shared, false);
    assert.equal(
      planEndpoints({ healthServer: { port: 9000 }, metricsServer: { port: 9000, host: '127.0.0.1' } })
        .shared,
      false,
    );
  });

  it('lists every problem in one ConfigError', () => {
    assert.throws(
      () =>
        planEndpoints({
          healthServer: { port: 70_000 },
          metricsServer: { port: 1.5, certFile: 'c.pem', authCacheTtlMs: -1 },
        }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.problems.length, 4, e.message);
        assert.match(e.message, /healthServer\.port must be an integer from 0 to 65535/);
        assert.match(e.message, /metricsServer\.port must be an integer/);
        assert.match(e.message, /metricsServer has certFile but no keyFile: give both, or certDir/);
        assert.match(e.message, /authCacheTtlMs must be 0 or more/);
        return true;
      },
    );
    assert.throws(
      () => planEndpoints({ metricsServer: { secure: false, certDir: '/certs' } }),
      /certificate files but secure: false/,
    );
  });
});
