import type { KubeObject } from '../types/kube-object.js';
import type { RelatedRef, RelatedSelect } from '../types/related.js';
import type { ResourceType } from '../types/resource-type.js';

/**
 * Makes the typed handle on one related type that a hand-written {@link OperatorConfig} lists in
 * `related` (`@Related` makes the same handle for you).
 *
 * @remarks
 * The handle is frozen. `property` names the relation in `req.related(ref)` lookups and messages;
 * it defaults to the type's kind, so give two relations of one type different properties. `select`
 * is checked by validation, not here.
 *
 * @example
 * ```ts
 * const password = relatedRef(Secret, (db: Parent<DatabaseSpec>) => ({ name: db.spec.passwordSecret }), 'password');
 * const config: OperatorConfig<DatabaseSpec> = { ..., related: [password],
 *   sync: (req) => ({ children: [], status: { hasPassword: req.related(password) !== undefined } }) };
 * ```
 */
export function relatedRef<T extends KubeObject, TSpec = unknown>(
  type: ResourceType<T>,
  select: RelatedSelect<TSpec>,
  property: string = type.kind,
): RelatedRef<T> {
  // The select is stored as given; the runtime calls it with the parent as `sync` sees it, whose
  // spec is the operator's spec class (see RelatedRef.select for why the types line up).
  return Object.freeze({ type, property, select: select as RelatedRef<T>['select'] });
}
