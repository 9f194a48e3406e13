/**
 * @packageDocumentation
 * Related resources: objects a parent reads but Operon never writes. What a parent selects
 * (`selection.ts`, pure), the reverse index from related objects to parents (`related-index.ts`),
 * the shared metadata-only informers and handlers of one operator's relations
 * (`related-watches.ts`), the full copies of the selected objects (`fetched-objects.ts`), and the
 * lookup `req.related` answers with, read before `sync` runs (`related-lookup.ts`).
 */

export { FetchedObjects, type GetObject, getThrough, type Holder } from './fetched-objects.js';
export { RelatedIndex } from './related-index.js';
export {
  NO_RELATED,
  type RelatedLookup,
  type RelatedProblem,
  readRelated,
  relatedLookup,
} from './related-lookup.js';
export { NAMESPACE_INDEX, namespaceIndex, type RelatedSource, RelatedWatches } from './related-watches.js';
export {
  labelSelectorProblem,
  matchesLabelSelector,
  type ResolvedSelection,
  type ResolvedSelections,
  resolveSelections,
  type SelectionResult,
  selects,
} from './selection.js';
