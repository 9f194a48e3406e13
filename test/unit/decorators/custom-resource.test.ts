import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pod } from '../../../src/types/builtins.js';
import { customResource, isCustomResourceType } from '../../../src/types/custom-resource.js';

class WidgetSpec {
  size!: number;
}

describe('customResource', () => {
  it('should describe the resource type with defaults', () => {
    const Widget = customResource({ group: 'example.com', version: 'v1', kind: 'Widget', spec: WidgetSpec });
    assert.equal(Widget.apiVersion, 'example.com/v1');
    assert.equal(Widget.plural, 'widgets');
    assert.equal(Widget.namespaced, true);
    assert.equal(Widget.spec, WidgetSpec);
    assert.equal(Widget.status, undefined);
    assert.deepEqual(Widget.shortNames, []);
    assert.deepEqual(Widget.categories, []);
    assert.deepEqual(Widget.printerColumns, []);
  });

  it('should carry the CRD extras, frozen and copied', () => {
    const columns = [{ name: 'Size', type: 'integer' as const, jsonPath: '.spec.size', priority: 1 }];
    const Widget = customResource({
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      plural: 'widgetz',
      namespaced: false,
      shortNames: ['wd'],
      categories: ['all'],
      printerColumns: columns,
    });
    columns[0] = { name: 'Changed', type: 'integer', jsonPath: '.x', priority: 0 };
    assert.equal(Widget.plural, 'widgetz');
    assert.equal(Widget.namespaced, false);
    assert.deepEqual(Widget.shortNames, ['wd']);
    assert.deepEqual(Widget.categories, ['all']);
    assert.deepEqual(Widget.printerColumns, [
      { name: 'Size', type: 'integer', jsonPath: '.spec.size', priority: 1 },
    ]);
    assert.ok(Object.isFrozen(Widget));
    assert.ok(Object.isFrozen(Widget.printerColumns));
    assert.ok(Object.isFrozen(Widget.printerColumns[0]));
  });

  it('should not throw when kind is missing, leaving the plural empty for validation to report', () => {
    const broken = customResource({ group: 'example.com', version: 'v1' } as never);
    assert.equal(broken.kind, '');
    assert.equal(broken.plural, '');
  });

  it('should be told apart from a plain resource type', () => {
    assert.equal(isCustomResourceType(customResource({ group: 'a.b', version: 'v1', kind: 'A' })), true);
    assert.equal(isCustomResourceType(Pod), false);
  });
});
