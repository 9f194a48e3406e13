import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toStructural } from '../../../src/generate/structural.js';
import { structuralProblems } from './structural-check.js';

describe('toStructural', () => {
  it('infers missing types from keywords', () => {
    const s = toStructural({
      properties: { n: { minimum: 1 }, s: { pattern: '^a' }, l: { minItems: 1 }, e: { enum: [1, 2] } },
    });
    assert.equal(s.type, 'object');
    assert.equal(s.properties?.n?.type, 'number');
    assert.equal(s.properties?.s?.type, 'string');
    assert.deepEqual(s.properties?.l, {
      type: 'array',
      items: { 'x-kubernetes-preserve-unknown-fields': true },
      minItems: 1,
    });
    assert.equal(s.properties?.e?.type, 'integer');
  });

  it('lets a node with nothing to go on keep any value, and an object without fields keep its fields', () => {
    assert.deepEqual(toStructural({}), { 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(toStructural({ type: 'object' }), {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it('replaces a $ref it meets with any value, and notes it', () => {
    const notes: string[] = [];
    const s = toStructural({ type: 'object', properties: { x: { $ref: '#/definitions/X' } } }, notes);
    assert.deepEqual(s.properties?.x, { 'x-kubernetes-preserve-unknown-fields': true });
    assert.match(notes[0] ?? '', /\.x: a \$ref/);
  });

  it('never puts additionalProperties next to properties, and drops additionalProperties: false', () => {
    const notes: string[] = [];
    const s = toStructural(
      { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
      notes,
    );
    assert.equal(s.additionalProperties, undefined);
    assert.equal(notes.length, 1);
    const closed = toStructural({
      type: 'object',
      properties: { a: { type: 'string' } },
      additionalProperties: false,
    });
    assert.equal('additionalProperties' in closed, false);
    const map = toStructural({ type: 'object', additionalProperties: { type: 'integer' } });
    assert.deepEqual(map, { type: 'object', additionalProperties: { type: 'integer' } });
  });

  it('turns draft-6 numeric exclusive bounds into OpenAPI 3.0 booleans', () => {
    assert.deepEqual(toStructural({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10 }), {
      type: 'number',
      minimum: 0,
      maximum: 10,
      exclusiveMinimum: true,
      exclusiveMaximum: true,
    });
    // The tighter bound wins.
    assert.deepEqual(toStructural({ type: 'number', minimum: 5, exclusiveMinimum: 0 }), {
      type: 'number',
      minimum: 5,
    });
  });

  it('keeps formats the API server knows, renames the aliases and drops the rest', () => {
    const notes: string[] = [];
    const s = toStructural(
      {
        type: 'object',
        properties: {
          a: { type: 'string', format: 'url' },
          b: { type: 'string', format: 'mobile-phone' },
          c: { type: 'string', format: 'date-time' },
          d: { type: 'string', format: 'base64' },
        },
      },
      notes,
    );
    assert.equal(s.properties?.a?.format, 'uri');
    assert.equal(s.properties?.b?.format, undefined);
    assert.equal(s.properties?.c?.format, 'date-time');
    assert.equal(s.properties?.d?.format, 'byte');
    assert.match(notes.join('\n'), /mobile-phone/);
  });

  it('keeps only value validations inside junctors, and drops junctors that mean nothing without types', () => {
    const notes: string[] = [];
    const s = toStructural(
      {
        type: 'object',
        properties: {
          notAdmin: { type: 'string', not: { type: 'string', enum: ['admin'] } },
          date: {
            oneOf: [
              { type: 'string', format: 'date' },
              { type: 'string', format: 'date-time' },
            ],
          },
          empty: { anyOf: [{ type: 'string', enum: [''] }, { not: { anyOf: [{ type: 'string' }] } }] },
        },
      },
      notes,
    );
    assert.deepEqual(s.properties?.notAdmin, { type: 'string', not: { enum: ['admin'] } });
    assert.deepEqual(s.properties?.date?.oneOf, [{ format: 'date' }, { format: 'date-time' }]);
    assert.equal(s.properties?.empty?.anyOf, undefined);
    assert.match(notes.join('\n'), /anyOf dropped/);
    assert.deepEqual(structuralProblems(s), []);
  });

  it('makes unique lists of scalars sets, and drops uniqueItems elsewhere', () => {
    assert.deepEqual(toStructural({ type: 'array', items: { type: 'string' }, uniqueItems: true }), {
      type: 'array',
      items: { type: 'string' },
      'x-kubernetes-list-type': 'set',
    });
    const notes: string[] = [];
    const objects = toStructural({ type: 'array', items: { type: 'object' }, uniqueItems: true }, notes);
    assert.equal(objects['x-kubernetes-list-type'], undefined);
    assert.equal(notes.length, 1);
  });

  it('passes x-kubernetes extensions and descriptions through', () => {
    const s = toStructural({
      type: 'object',
      description: 'd',
      'x-kubernetes-validations': [{ rule: 'self.a <= self.b' }],
      properties: { a: { type: 'integer' }, b: { type: 'integer' } },
    });
    assert.equal(s.description, 'd');
    assert.deepEqual(s['x-kubernetes-validations'], [{ rule: 'self.a <= self.b' }]);
  });
});
