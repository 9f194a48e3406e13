/** One JSON Patch (RFC 6902) operation, as the API server takes them. */
export type JsonPatchOp =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown };

/**
 * The JSON Patch that adds `name` to `current` (the finalizers the reconcile saw), or undefined
 * when it is there already.
 *
 * @remarks
 * The `test` makes it a compare-and-swap on exactly the list it changes (DESIGN rule 8), not on
 * the whole object's resourceVersion: a stale cache fails the test (422) instead of dropping a
 * finalizer another controller added meanwhile, and an unrelated change to the parent does not
 * make it fail. A missing list tests as `null`, as the API server's JSON Patch treats absent values.
 */
export function addFinalizerPatch(
  current: readonly string[] | undefined,
  name: string,
): JsonPatchOp[] | undefined {
  if (current?.includes(name)) return undefined;
  if (!current || current.length === 0) {
    return [
      { op: 'test', path: '/metadata/finalizers', value: current ?? null },
      { op: 'add', path: '/metadata/finalizers', value: [name] },
    ];
  }
  return [
    { op: 'test', path: '/metadata/finalizers', value: current },
    { op: 'add', path: '/metadata/finalizers/-', value: name },
  ];
}

/**
 * The JSON Patch that removes `name` from `current`, or undefined when it is not there. Tests the
 * entry at the index it removes, so a list that changed meanwhile fails (422) rather than losing
 * someone else's finalizer.
 */
export function removeFinalizerPatch(
  current: readonly string[] | undefined,
  name: string,
): JsonPatchOp[] | undefined {
  const index = current?.indexOf(name) ?? -1;
  if (index < 0) return undefined;
  return [
    { op: 'test', path: `/metadata/finalizers/${index}`, value: name },
    { op: 'remove', path: `/metadata/finalizers/${index}` },
  ];
}
