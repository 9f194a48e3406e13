// @Rule and the class-validator decorators that become CEL rules: where each lands in the CRD schema,
// in what order, with which message; and what does not become a rule.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Expose, Type } from 'class-transformer';
import {
  Allow,
  ArrayContains,
  ArrayNotContains,
  Contains,
  Equals,
  IsBoolean,
  IsInt,
  IsLowercase,
  IsNotIn,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  MinDate,
  NotContains,
  NotEquals,
  ValidateIf,
  ValidateNested,
  validateSync,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Rule, readRuleMetadata } from '../../../src/decorators/rule.js';
import { ConfigError } from '../../../src/errors/operon-error.js';
import { celLiteral } from '../../../src/generate/cel-rules.js';
import { classSchema } from '../../../src/generate/class-schema.js';
import { generateCrds } from '../../../src/generate/crd.js';
import { customResource } from '../../../src/types/custom-resource.js';
import { structuralProblems } from './structural-check.js';

class Volume {
  @IsString() @Rule("self.startsWith('/')", 'path must be absolute') path!: string;
  @IsOptional() @IsBoolean() readOnly?: boolean;
}

@Rule('self.size == oldSelf.size || self.mode == "Expandable"', 'size can only change in Expandable mode')
class Disk {
  @IsInt() size!: number;
  @IsString() mode = 'Fixed';
}

@Rule('self.minReplicas <= self.maxReplicas', 'minReplicas must not exceed maxReplicas')
@Rule('!has(self.disk) || self.maxReplicas <= 10', 'with a disk, at most 10 replicas', {
  reason: 'FieldValueForbidden',
  fieldPath: '.maxReplicas',
})
class ScaleSpec {
  @IsInt() minReplicas = 1;
  @IsInt() maxReplicas = 3;

  @IsString()
  @Rule('self == oldSelf', 'storageClass is immutable')
  @Rule('self.size() <= 63', undefined, {
    messageExpression: '"storageClass is " + string(self.size()) + " long"',
  })
  storageClass!: string;

  @IsOptional()
  @IsString()
  @Rule('!oldSelf.hasValue() || oldSelf.value() == self', 'owner cannot change once set', {
    optionalOldSelf: true,
  })
  owner?: string;

  @ValidateNested({ each: true }) @Type(() => Volume) volumes: Volume[] = [];
  @IsOptional() @ValidateNested() @Type(() => Disk) disk?: Disk;
}

const Scale = customResource({ group: 'cel.operon.test', version: 'v1', kind: 'Scale', spec: ScaleSpec });

describe('@Rule', () => {
  const [crd] = generateCrds([{ name: 'scale', parent: { type: Scale }, children: [] }]);
  const spec = crd?.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;

  it('puts a spec class rule on the CRD `spec` node, stacked rules in source order, with their options', () => {
    assert.deepEqual(spec?.['x-kubernetes-validations'], [
      { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not exceed maxReplicas' },
      {
        rule: '!has(self.disk) || self.maxReplicas <= 10',
        message: 'with a disk, at most 10 replicas',
        reason: 'FieldValueForbidden',
        fieldPath: '.maxReplicas',
      },
    ]);
  });

  it('puts a property rule on the property node; a rule without a message has no message key', () => {
    assert.deepEqual(spec?.properties?.storageClass, {
      type: 'string',
      'x-kubernetes-validations': [
        { rule: 'self == oldSelf', message: 'storageClass is immutable' },
        {
          rule: 'self.size() <= 63',
          messageExpression: '"storageClass is " + string(self.size()) + " long"',
        },
      ],
    });
    assert.deepEqual(spec?.properties?.owner?.['x-kubernetes-validations'], [
      {
        rule: '!oldSelf.hasValue() || oldSelf.value() == self',
        message: 'owner cannot change once set',
        optionalOldSelf: true,
      },
    ]);
  });

  it('puts nested classes’ rules on every object of that class: list items and single objects', () => {
    assert.deepEqual(spec?.properties?.volumes?.items?.properties?.path?.['x-kubernetes-validations'], [
      { rule: "self.startsWith('/')", message: 'path must be absolute' },
    ]);
    assert.deepEqual(spec?.properties?.disk?.['x-kubernetes-validations'], [
      {
        rule: 'self.size == oldSelf.size || self.mode == "Expandable"',
        message: 'size can only change in Expandable mode',
      },
    ]);
  });

  it('leaves the nodes without rules as they were, and the schema structural', () => {
    assert.deepEqual(spec?.properties?.minReplicas, { type: 'integer', default: 1 });
    assert.equal(spec?.properties?.volumes?.['x-kubernetes-validations'], undefined);
    assert.deepEqual(structuralProblems(crd!.spec.versions[0]!.schema.openAPIV3Schema), []);
  });

  it('is deterministic: the same classes give the same CRD, byte for byte', () => {
    const again = generateCrds([{ name: 'scale', parent: { type: Scale }, children: [] }]);
    assert.equal(JSON.stringify(again), JSON.stringify([crd]));
  });

  it('has no effect on class-validator: the runtime does not evaluate CEL', () => {
    const s = Object.assign(new ScaleSpec(), { minReplicas: 5, maxReplicas: 1, storageClass: 'x' });
    assert.deepEqual(validateSync(s), []);
  });

  it('applies a base class’s rules to subclasses, base first, without changing the base', () => {
    @Rule('self.a > 0', 'a must be positive')
    class Base {
      @IsInt() @Rule('self < 100') a = 1;
    }
    @Rule('self.b > self.a', 'b must exceed a')
    class Derived extends Base {
      @IsInt() b = 2;
    }
    assert.deepEqual(classSchema(Derived)['x-kubernetes-validations'], [
      { rule: 'self.a > 0', message: 'a must be positive' },
      { rule: 'self.b > self.a', message: 'b must exceed a' },
    ]);
    assert.deepEqual(classSchema(Derived).properties?.a?.['x-kubernetes-validations'], [
      { rule: 'self < 100' },
    ]);
    assert.deepEqual(classSchema(Base)['x-kubernetes-validations'], [
      { rule: 'self.a > 0', message: 'a must be positive' },
    ]);
    assert.equal(readRuleMetadata(Base).length, 2);
    assert.equal(readRuleMetadata(Derived).length, 3);
  });

  it('follows @Expose({ name }) to the property’s name in the schema', () => {
    class Renamed {
      @Expose({ name: 'max-surge' }) @IsInt() @Rule('self <= 5', 'max-surge must be at most 5') maxSurge = 1;
    }
    assert.deepEqual(classSchema(Renamed).properties?.['max-surge']?.['x-kubernetes-validations'], [
      { rule: 'self <= 5', message: 'max-surge must be at most 5' },
    ]);
  });

  it('appends to rules written with @JSONSchema, once each', () => {
    @JSONSchema({ 'x-kubernetes-validations': [{ rule: 'self.n != 7' }] })
    @Rule('self.n != 7')
    @Rule('self.n != 8')
    class Both {
      @IsInt() n = 1;
    }
    assert.deepEqual(classSchema(Both)['x-kubernetes-validations'], [
      { rule: 'self.n != 7' },
      { rule: 'self.n != 8' },
    ]);
  });

  it('keeps a class rule on a class without class-validator decorators (an open object)', () => {
    @Rule('size(self) <= 3', 'at most 3 fields')
    class Open {}
    assert.deepEqual(classSchema(Open), {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-validations': [{ rule: 'size(self) <= 3', message: 'at most 3 fields' }],
    });
  });

  it('puts rules on the status schema too (they constrain Operon’s own status writes)', () => {
    @Rule('!has(self.ready) || self.ready >= 0')
    class Status {
      @IsOptional() @IsInt() ready?: number;
    }
    const Res = customResource({
      group: 'cel.operon.test',
      version: 'v1',
      kind: 'St',
      spec: Volume,
      status: Status,
    });
    const [c] = generateCrds([{ name: 'st', parent: { type: Res }, children: [] }]);
    const status = c?.spec.versions[0]?.schema.openAPIV3Schema.properties?.status;
    assert.deepEqual(status?.['x-kubernetes-validations'], [{ rule: '!has(self.ready) || self.ready >= 0' }]);
  });

  it('refuses a property rule with no schema node to sit on, naming the class, property and fix', () => {
    class Undescribed {
      @IsInt() n = 1;
      @Rule('self > 0') count = 1;
    }
    assert.throws(
      () => classSchema(Undescribed),
      (e: unknown) =>
        e instanceof ConfigError &&
        /Undescribed\.count: @Rule on a property the CRD schema does not describe/.test(e.message) &&
        /@Allow\(\)/.test(e.message),
    );
    class OnStatic {
      @IsInt() n = 1;
      @Rule('self > 0') static limit = 1;
    }
    assert.throws(() => classSchema(OnStatic), /OnStatic\.limit: @Rule on a static property/);
  });
});

describe('class-validator decorators that become CEL rules', () => {
  class Strings {
    @IsString() @Contains('-') @NotContains('..') slug!: string;
    // Regex metacharacters are plain text to class-validator; class-validator-jsonschema made them a pattern.
    @IsString() @NotContains('.') @Matches(/^[a-z]/) host!: string;
    @IsString() @Contains("it's \\ \n") odd!: string;
    @IsString({ each: true }) @Contains('@', { each: true }) emails: string[] = [];
    @IsString() @Contains('x', { message: '$property of $target needs an x' }) custom!: string;
    @IsString() @Contains('y', { message: 'got $value' }) withValue!: string;
  }
  const s = classSchema(Strings).properties ?? {};

  it('@Contains / @NotContains become self.contains, with class-validator’s messages, and no pattern', () => {
    assert.deepEqual(s.slug, {
      type: 'string',
      'x-kubernetes-validations': [
        { rule: "!self.contains('..')", message: 'slug should not contain a .. string' },
        { rule: "self.contains('-')", message: 'slug must contain a - string' },
      ],
    });
    assert.deepEqual(s.host, {
      type: 'string',
      pattern: '^[a-z]',
      'x-kubernetes-validations': [
        { rule: "!self.contains('.')", message: 'host should not contain a . string' },
      ],
    });
  });

  it('escapes the seed as a CEL string, and keeps the message on one line', () => {
    assert.deepEqual(s.odd?.['x-kubernetes-validations'], [
      { rule: "self.contains('it\\'s \\\\ \\u000a')", message: "odd must contain a it's \\ string" },
    ]);
  });

  it('with each: true, puts the rule on the items, as class-validator checks each value', () => {
    assert.deepEqual(s.emails, {
      type: 'array',
      default: [],
      items: {
        type: 'string',
        'x-kubernetes-validations': [
          { rule: "self.contains('@')", message: 'each value in emails must contain a @ string' },
        ],
      },
    });
  });

  it('uses the decorator’s own message, unless it needs the value', () => {
    assert.equal(s.custom?.['x-kubernetes-validations']?.[0]?.message, 'custom of Strings needs an x');
    assert.equal(
      s.withValue?.['x-kubernetes-validations']?.[0]?.message,
      'withValue must contain a y string',
    );
  });

  it('@ArrayContains / @ArrayNotContains become `in` tests with literals of the items’ type', () => {
    class Lists {
      @IsString({ each: true }) @ArrayContains(['a', 'b']) @ArrayNotContains(['root']) names: string[] = [];
      @IsInt({ each: true }) @ArrayContains([80]) ports: number[] = [];
      @IsNumber({}, { each: true }) @ArrayNotContains([0, -1.5]) weights: number[] = [];
      @IsBoolean({ each: true }) @ArrayNotContains([false]) flags: boolean[] = [];
    }
    const l = classSchema(Lists).properties ?? {};
    assert.deepEqual(l.names?.['x-kubernetes-validations'], [
      { rule: "!('root' in self)", message: 'names should not contain root values' },
      { rule: "'a' in self && 'b' in self", message: 'names must contain a, b values' },
    ]);
    assert.deepEqual(l.ports?.['x-kubernetes-validations'], [
      { rule: '80 in self', message: 'ports must contain 80 values' },
    ]);
    assert.deepEqual(l.weights?.['x-kubernetes-validations'], [
      { rule: '!(0.0 in self) && !(-1.5 in self)', message: 'weights should not contain 0, -1.5 values' },
    ]);
    assert.deepEqual(l.flags?.['x-kubernetes-validations'], [
      { rule: '!(false in self)', message: 'flags should not contain false values' },
    ]);
  });

  it('emits nothing where CEL would not be exact', () => {
    class NotExact {
      // class-validator compares with ===: a string is never in a list of integers.
      @IsInt({ each: true }) @ArrayContains(['80']) ports: number[] = [];
      // '' is not contained in '' for class-validator, but is for CEL.
      @IsString() @Contains('') empty!: string;
      // Conditional checks: the API server cannot know the condition.
      @ValidateIf((o: NotExact) => o.empty !== 'skip') @IsString() @Contains('z') conditional!: string;
      @IsString() @Contains('z', { validateIf: () => false }) conditionalOption!: string;
      // Unicode case rules (JS) against CEL's lowerAscii: 'É' is upper case for one only.
      @IsString() @IsLowercase() lower!: string;
      // A JS Date has millisecond precision, a timestamp nanoseconds.
      @Type(() => Date) @MinDate(new Date('2020-01-01T00:00:00Z')) since!: Date;
    }
    const n = classSchema(NotExact).properties ?? {};
    assert.equal(Object.keys(n).length, 6);
    for (const [name, node] of Object.entries(n)) {
      assert.equal(node['x-kubernetes-validations'], undefined, name);
      assert.equal(node.pattern, undefined, name);
    }
  });

  it('leaves what the schema already says exactly to the schema: @NotEquals / @IsNotIn / @Equals', () => {
    class Schema {
      @IsString() @NotEquals('admin') user!: string;
      @IsString() @IsNotIn(['a', 'b']) letter!: string;
      @Equals('v1') version = 'v1';
    }
    const p = classSchema(Schema).properties ?? {};
    assert.deepEqual(p.user, { type: 'string', not: { enum: ['admin'] } });
    assert.deepEqual(p.letter, { type: 'string', not: { enum: ['a', 'b'] } });
    assert.deepEqual(p.version, { type: 'string', default: 'v1', enum: ['v1'] });
  });

  it('a rule from a decorator and an @Rule on one property: decorator first', () => {
    class Both {
      @IsString() @Contains('-') @Rule('self.size() <= 20', 'name is too long') @Allow() name!: string;
    }
    assert.deepEqual(
      classSchema(Both).properties?.name?.['x-kubernetes-validations']?.map((r) => r.rule),
      ["self.contains('-')", 'self.size() <= 20'],
    );
  });
});

describe('celLiteral', () => {
  it('writes a literal of the node’s type, or none', () => {
    assert.equal(celLiteral('a"b', 'string'), `'a"b'`);
    assert.equal(celLiteral('\t\u007f', 'string'), "'\\u0009\\u007f'");
    assert.equal(celLiteral('😀', 'string'), "'😀'");
    assert.equal(celLiteral('\uD800', 'string'), undefined, 'a lone surrogate');
    assert.equal(celLiteral(3, 'integer'), '3');
    assert.equal(celLiteral(-3, 'integer'), '-3');
    assert.equal(celLiteral(3.5, 'integer'), undefined);
    assert.equal(celLiteral(2 ** 60, 'integer'), undefined, 'not exact in JavaScript');
    assert.equal(celLiteral(3, 'number'), '3.0');
    assert.equal(celLiteral(1e21, 'number'), '1e+21');
    assert.equal(celLiteral(1e-7, 'number'), '1e-7');
    assert.equal(celLiteral(Number.NaN, 'number'), undefined);
    assert.equal(celLiteral(true, 'boolean'), 'true');
    assert.equal(celLiteral('3', 'integer'), undefined);
    assert.equal(celLiteral('x', undefined), undefined, 'a node of unknown type');
  });
});
