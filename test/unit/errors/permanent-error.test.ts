import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentError } from '../../../src/errors/permanent-error.js';

describe('PermanentError', () => {
  it('carries its reason, PermanentError by default', () => {
    assert.equal(new PermanentError('no').reason, 'PermanentError');
    const e = new PermanentError('taken', { reason: 'BucketNameTaken', cause: new Error('409') });
    assert.equal(e.reason, 'BucketNameTaken');
    assert.equal(e.message, 'taken');
    assert.equal(e.name, 'PermanentError');
    assert.match(String(e.cause), /409/);
  });

  it('refuses a reason the API server would refuse in a condition, saying what a reason looks like', () => {
    for (const bad of ['bucket name taken', '1stTry', 'Ends-', '']) {
      assert.throws(
        () => new PermanentError('x', { reason: bad }),
        (e: unknown) => e instanceof TypeError && /CamelCase/.test(e.message),
        bad,
      );
    }
  });

  it('is recognised across copies of Operon, and other errors are not', () => {
    assert.ok(PermanentError.is(new PermanentError('x')));
    const foreign = Object.assign(new Error('x'), { [Symbol.for('operon.PermanentError')]: true });
    assert.ok(PermanentError.is(foreign));
    assert.ok(!PermanentError.is(new Error('x')));
    assert.ok(!PermanentError.is(undefined));
  });
});
