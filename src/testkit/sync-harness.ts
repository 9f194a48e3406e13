import { buildOperatorConfig } from '../config/build-config.js';
import type { OperatorConfig } from '../config/operator-config.js';
import { OperonError } from '../errors/operon-error.js';
import { syncRequest } from '../runtime/reconcile/sync-request.js';
import { transformAndValidateSpec } from '../runtime/reconcile/validate-spec.js';
import type { KubeObject } from '../types/kube-object.js';
import type { FinalizeResponse, JsonObject, Parent, SyncRequest, SyncResponse } from '../types/sync.js';

/** A parent as a test writes it: a plain object; name, uid, apiVersion and kind get defaults. */
export interface TestParent {
  apiVersion?: string;
  kind?: string;
  metadata?:
    | Parent<unknown>['metadata']
    | { name?: string; namespace?: string; uid?: string; generation?: number };
  spec?: unknown;
  status?: JsonObject;
}

/** What {@link runSync} and {@link runFinalize} take. */
export interface SyncInput {
  parent: TestParent;
  /** Current children, of any declared type, matched to `@Child` properties by apiVersion and kind. */
  children?: readonly KubeObject[];
}

/**
 * Calls an operator's `@Sync` with a request built from plain objects, exactly as the runtime would
 * (spec transformed into the spec class and validated first), without a cluster: unit tests of an
 * operator's logic run in milliseconds.
 *
 * @param operator - an operator instance (decorated class, constructed with its dependencies) or a
 * hand-written {@link OperatorConfig}.
 * @throws OperonError `SPEC_INVALID` listing every violation when the spec fails validation (the
 * runtime would not call `sync` either).
 *
 * @example
 * ```ts
 * const res = await runSync(new EchoServerOperator(new EchoImage()), {
 *   parent: { metadata: { name: 'hello', namespace: 'default' }, spec: { message: 'hi', replicas: 2 } },
 * });
 * assert.equal(res.children.length, 3);
 * ```
 */
export async function runSync(
  operator: object | OperatorConfig<unknown>,
  input: SyncInput,
): Promise<SyncResponse> {
  const config = configOf(operator);
  return config.sync(await buildRequest(config, input, false));
}

/** Like {@link runSync}, for `@Finalize`. Throws when the operator has none. */
export async function runFinalize(
  operator: object | OperatorConfig<unknown>,
  input: SyncInput,
): Promise<FinalizeResponse> {
  const config = configOf(operator);
  if (!config.finalize)
    throw new OperonError('CONFIG_INVALID', `Operator "${config.name}" has no @Finalize method.`);
  return config.finalize(await buildRequest(config, input, true));
}

/**
 * Builds the {@link SyncRequest} the runtime would pass for this parent and these children.
 * @throws OperonError `SPEC_INVALID` when the spec fails validation.
 */
export async function buildRequest(
  config: OperatorConfig<unknown>,
  input: SyncInput,
  finalizing: boolean,
): Promise<SyncRequest<unknown>> {
  const type = config.parent.type;
  const meta = input.parent.metadata ?? {};
  const parent = {
    apiVersion: input.parent.apiVersion ?? type.apiVersion,
    kind: input.parent.kind ?? type.kind,
    ...input.parent,
    metadata: {
      name: 'test',
      uid: 'test-uid',
      generation: 1,
      ...(type.namespaced ? { namespace: 'default' } : {}),
      ...meta,
    },
  } as Parent<unknown>;
  const spec = await transformAndValidateSpec(config.parent.spec, input.parent.spec);
  if (!spec.ok) {
    throw new OperonError('SPEC_INVALID', `The spec is invalid: ${spec.problems.join('; ')}`);
  }
  const children = [...(input.children ?? [])].sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  return syncRequest({ ...parent, spec: spec.spec }, finalizing, (type) =>
    children.filter((c) => c.apiVersion === type.apiVersion && c.kind === type.kind),
  );
}

function configOf(operator: object | OperatorConfig<unknown>): OperatorConfig<unknown> {
  const maybe = operator as Partial<OperatorConfig<unknown>>;
  if (
    typeof maybe.sync === 'function' &&
    typeof maybe.name === 'string' &&
    maybe.parent &&
    Array.isArray(maybe.children)
  ) {
    return operator as OperatorConfig<unknown>;
  }
  return buildOperatorConfig(operator);
}
