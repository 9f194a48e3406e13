import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  annotationKeyProblem,
  annotationSize,
  labelValueProblem,
  qualifiedNameProblem,
} from '../../../src/runtime/planner/label-syntax.js';
import { checkObjectName, dnsLabelProblem, subdomainProblem } from '../../../src/runtime/planner/names.js';

// apimachinery's patterns (k8s.io/apimachinery/pkg/util/validation), verbatim: the reference the
// character-by-character checks must agree with.
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const LABEL_VALUE = new RegExp(`^(${QUALIFIED_NAME_FMT})?$`);
const DNS1123_LABEL = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const isSubdomain = (s: string) => s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
const isDnsLabel = (s: string) => s.length <= 63 && DNS1123_LABEL.test(s);
const isLabelValue = (s: string) => s.length <= 63 && LABEL_VALUE.test(s);

/** apimachinery's IsQualifiedName. */
function isQualifiedName(s: string): boolean {
  const parts = s.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1] ?? '';
  const prefixOk = parts.length === 1 || (parts[0] !== '' && isSubdomain(parts[0] ?? ''));
  return prefixOk && name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** Every string over `alphabet` up to `max` characters long. */
function* strings(alphabet: readonly string[], max: number): Generator<string> {
  let level = [''];
  yield '';
  for (let n = 1; n <= max; n++) {
    const next: string[] = [];
    for (const prefix of level) for (const c of alphabet) next.push(prefix + c);
    yield* next;
    level = next;
  }
}

const ALPHABET = ['a', 'Z', '0', '-', '_', '.', '/', ' ', 'é'];

describe('label and name syntax', () => {
  it('agrees with apimachinery on every short string', () => {
    for (const s of strings(ALPHABET, 5)) {
      assert.equal(
        qualifiedNameProblem(s) === undefined,
        isQualifiedName(s),
        `qualified name ${JSON.stringify(s)}`,
      );
      assert.equal(labelValueProblem(s) === undefined, isLabelValue(s), `label value ${JSON.stringify(s)}`);
      assert.equal(subdomainProblem(s) === undefined, isSubdomain(s), `subdomain ${JSON.stringify(s)}`);
      assert.equal(dnsLabelProblem(s) === undefined, isDnsLabel(s), `DNS label ${JSON.stringify(s)}`);
      const service = checkObjectName({ group: '', kind: 'Service' }, s);
      assert.equal(
        service === undefined,
        s.length <= 63 && DNS1035_LABEL.test(s),
        `Service ${JSON.stringify(s)}`,
      );
    }
  });

  it('agrees with apimachinery at the length limits', () => {
    const at = (n: number) => 'a'.repeat(n);
    for (const [text, ok] of [
      [at(63), true],
      [at(64), false],
      [`${at(253)}/${at(63)}`, true],
      [`${at(254)}/a`, false],
      [`a/${at(64)}`, false],
    ] as const) {
      assert.equal(qualifiedNameProblem(text) === undefined, ok, `${text.length} characters`);
      assert.equal(isQualifiedName(text), ok);
    }
    assert.equal(labelValueProblem(at(63)), undefined);
    assert.equal(labelValueProblem(at(64)), 'is 64 characters long');
    assert.equal(subdomainProblem(at(253)), undefined);
    assert.equal(subdomainProblem(`${at(253)}.`), 'is 254 characters long and ends with "."');
  });

  it('says what is wrong in words', () => {
    assert.equal(labelValueProblem('bad value!'), 'contains " "');
    assert.equal(labelValueProblem('web-'), 'ends with "-"');
    assert.equal(subdomainProblem('Web'), 'contains upper-case "W"');
    assert.equal(subdomainProblem('a.-b'), 'has "-" after a "."');
    assert.equal(subdomainProblem('a-.b'), 'has "-" before a "."');
    assert.equal(subdomainProblem('.a'), 'starts with "."');
    assert.equal(
      qualifiedNameProblem('a b/-c'),
      'its prefix "a b" contains " " and its name part starts with "-"',
    );
  });

  it('lower-cases annotation keys before checking them, as Go does', () => {
    assert.equal(annotationKeyProblem('Example.COM/Note'), undefined);
    assert.equal(annotationKeyProblem('\u212A.io/x'), undefined, 'KELVIN SIGN lowers to "k"');
    assert.equal(annotationKeyProblem('\u0130.io/x'), undefined, 'Go lowers U+0130 to a plain "i"');
    assert.match(annotationKeyProblem('\u00C9.io/x') ?? '', /its prefix "É\.io" contains "É"/);
    assert.match(qualifiedNameProblem('Example.COM/Note') ?? '', /upper-case "E"/);
  });

  it('counts annotation bytes in UTF-8', () => {
    assert.equal(annotationSize('a', 'é'), 3);
    assert.equal(annotationSize('k', '😀'), 5);
  });
});
