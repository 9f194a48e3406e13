/**
 * How Operon brings an existing child in line with the desired one. Same meanings as Roperator and
 * Metacontroller.
 *
 * - `apply` (default): server-side apply with the operator's field manager. Fields the operator
 *   stops setting are removed; fields other managers own are left alone.
 * - `replace`: update in place (PUT) with the desired object; whatever the desired object omits is
 *   cleared, except what the API server fills in again (defaults, allocated IPs).
 * - `recreate`: delete the child, then create it anew. For objects whose fields cannot be changed
 *   in place, such as most of a Pod's spec.
 * - `on-delete`: never update; create the child only when it is missing.
 */
export type UpdateStrategy = 'apply' | 'replace' | 'recreate' | 'on-delete';

/** Every {@link UpdateStrategy}, in the order above; configuration validation rejects any other value. */
export const UPDATE_STRATEGIES: readonly UpdateStrategy[] = ['apply', 'replace', 'recreate', 'on-delete'];
