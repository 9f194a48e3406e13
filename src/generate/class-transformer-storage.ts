import { createRequire } from 'node:module';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage.js';

let storage: MetadataStorage | undefined;

/**
 * class-transformer's metadata store (`@Type`, `@Exclude`, `@Expose`).
 *
 * @remarks
 * class-transformer does not export it from its index. Its CommonJS build is what Node loads for
 * `import 'class-transformer'`, and `require` shares that module cache, so this is the very store
 * the decorators wrote to.
 */
export function classTransformerStorage(): MetadataStorage {
  storage ??= (
    createRequire(import.meta.url)('class-transformer/cjs/storage.js') as {
      defaultMetadataStorage: MetadataStorage;
    }
  ).defaultMetadataStorage;
  return storage;
}

/** The class that class-transformer's `@Type(() => X)` names for a property, if any. */
export function typeHint(target: object, property: string): unknown {
  // `findTypeMetadata` is typed with `Function`; any class object is one.
  return classTransformerStorage()
    .findTypeMetadata(target as () => void, property)
    ?.typeFunction?.();
}
