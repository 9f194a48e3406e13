import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'class-transformer';
import { Allow, IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { classSchema } from '../../../src/generate/class-schema.js';
import { KitchenSpec, Tree } from './fixtures.js';
import { structuralProblems } from './structural-check.js';

describe('classSchema', () => {
  const kitchen = classSchema(KitchenSpec);
  const props = kitchen.properties ?? {};

  it('is a structural schema at every level', () => {
    assert.deepEqual(structuralProblems(kitchen), []);
    assert.equal(JSON.stringify(kitchen).includes('$ref'), false);
  });

  it('takes string constraints, patterns and @JSONSchema descriptions', () => {
    assert.deepEqual(props.name, {
      type: 'string',
      description: 'Lower-case name.',
      minLength: 3,
      maxLength: 20,
      pattern: '^[a-z]+$',
    });
  });

  it('keeps integers integers whatever the decorator order (@Min before @IsInt)', () => {
    const port = props.ports?.items?.properties?.port;
    assert.deepEqual(port, { type: 'integer', minimum: 1, maximum: 65535 });
  });

  it('inlines arrays of nested classes as items, with their own required fields', () => {
    const ports = props.ports;
    assert.equal(ports?.type, 'array');
    assert.equal(ports?.minItems, 1);
    assert.equal(ports?.items?.type, 'object');
    assert.deepEqual(ports?.items?.required, ['port']);
    assert.deepEqual(ports?.items?.properties?.protocol, { type: 'string', enum: ['TCP', 'UDP'] });
  });

  it('inlines a single nested class, and turns @IsPositive into an OpenAPI 3.0 exclusive bound', () => {
    assert.equal(props.limits?.type, 'object');
    assert.deepEqual(props.limits?.properties?.memoryMb, {
      type: 'number',
      minimum: 0,
      exclusiveMinimum: true,
    });
    assert.equal(props.limits?.required, undefined, 'both fields of Limits are optional');
  });

  it('gives string enums their values, and numeric enums only their numbers', () => {
    assert.deepEqual(props.tier?.enum, ['free', 'pro']);
    assert.equal(props.tier?.type, 'string');
    assert.deepEqual(props.level, { type: 'integer', enum: [0, 1] });
  });

  it('turns property initialisers into defaults that are no longer required', () => {
    assert.equal(props.tier?.default, 'free');
    assert.equal(props.enabled?.default, true);
    assert.equal(props.user?.default, 'nobody');
    assert.deepEqual(kitchen.required, ['name', 'level', 'ports']);
  });

  it('leaves defaults out when asked to, still not requiring what the class fills in', () => {
    const noDefaults = classSchema(KitchenSpec, { defaults: false });
    assert.equal(noDefaults.properties?.tier?.default, undefined);
    assert.deepEqual(noDefaults.required, ['name', 'level', 'ports']);
  });

  it('describes dates, sets, maps, known formats and exclusions', () => {
    assert.deepEqual(props.expires, { type: 'string', format: 'date-time' });
    assert.deepEqual(props.tags, {
      type: 'array',
      items: { type: 'string' },
      'x-kubernetes-list-type': 'set',
    });
    assert.deepEqual(props.labels, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    assert.equal(props.contact?.format, 'email');
    assert.equal(props.homepage?.format, 'uri', 'url is not a format the API server knows; uri is');
    assert.deepEqual(props.user?.not, { enum: ['admin'] });
    assert.deepEqual(props.extra, { 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('requires only what class-validator rejects when missing', () => {
    class Inner {
      @IsString() a!: string;
    }
    class Spec {
      @Allow() anything?: unknown;
      @ValidateNested() @Type(() => Inner) inner?: Inner;
      @IsString() needed!: string;
      @IsOptional() @IsInt() optional?: number;
    }
    assert.deepEqual(classSchema(Spec).required, ['needed']);
  });

  it('stops a class that contains itself with an open object, and says so', () => {
    const notes: string[] = [];
    const tree = classSchema(Tree, { notes });
    assert.deepEqual(tree.properties?.children?.items, {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    assert.match(notes.join('\n'), /Tree contains itself/);
    assert.deepEqual(structuralProblems(tree), []);
  });

  it('describes a nested class known only from the TypeScript type', () => {
    class Inner {
      @Min(1) n!: number;
    }
    class Spec {
      @IsOptional() inner?: Inner;
    }
    assert.deepEqual(classSchema(Spec).properties?.inner, {
      type: 'object',
      required: ['n'],
      properties: { n: { type: 'number', minimum: 1 } },
    });
  });

  it('accepts any field of a class without decorators, and notes it', () => {
    class Bare {
      x = 1;
    }
    const notes: string[] = [];
    assert.deepEqual(classSchema(Bare, { notes }), {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    assert.match(notes[0] ?? '', /Bare has no class-validator decorators/);
  });

  it('still works, without defaults, for a class whose constructor needs arguments', () => {
    class NeedsArgs {
      @IsInt() n = 1;
      constructor(dep: { value: number }) {
        this.n = dep.value;
      }
    }
    const notes: string[] = [];
    const schema = classSchema(NeedsArgs as never, { notes });
    assert.deepEqual(schema.properties?.n, { type: 'integer' });
    assert.match(notes.join('\n'), /could not construct it/);
  });
});
