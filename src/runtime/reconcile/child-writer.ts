import { OperonError } from '../../errors/operon-error.js';
import type { KubeObject, NamedObject } from '../../types/kube-object.js';
import { describeType, type ResourceType } from '../../types/resource-type.js';
import type { UpdateStrategy } from '../../types/update-strategy.js';
import { type ApiClient, PatchType } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { resourcePath } from '../api/resource-path.js';
import { type ChildAction, controllerOf, isControlledBy } from '../planner/index.js';

/** What one write did, for Events and logs. */
export interface WriteResult {
  action: ChildAction['action'];
  type: ResourceType;
  name: string;
  namespace?: string;
}

/**
 * Carries out one planned child action against the API server.
 *
 * @remarks
 * - `create` is a POST (for `apply` children: a GET, then an apply). An object that already holds
 *   the name is checked: ours (the cache had not caught up) → fine; someone else's → a
 *   `NAME_CONFLICT` error and nothing written, never a takeover.
 * - `apply` is a server-side apply with `force`, field manager = the operator's name.
 * - `replace` is a PUT carrying the live resourceVersion: a concurrent change fails with 409 and the
 *   key is retried with a fresh cache.
 * - `recreate` and `delete` send a UID precondition, so they can never remove a newer object of
 *   the same name.
 */
export class ChildWriter {
  constructor(
    private readonly api: ApiClient,
    private readonly fieldManager: string,
  ) {}

  /** @param strategy - the update strategy of the child's type: `apply` children are also created by apply. */
  async execute(
    action: ChildAction,
    parentUid: string,
    strategy: UpdateStrategy,
  ): Promise<WriteResult | undefined> {
    switch (action.action) {
      case 'conflict':
        throw new OperonError('NAME_CONFLICT', action.message);
      case 'create':
        if (strategy === 'apply') await this.createByApply(action.type, action.object, parentUid);
        else await this.create(action.type, action.object, parentUid);
        return result(action.action, action.type, action.object);
      case 'apply':
        await this.apply(action.type, action.object);
        return result(action.action, action.type, action.object);
      case 'replace':
        await this.api.request({
          method: 'PUT',
          path: resourcePath(action.type, target(action.object)),
          body: action.object,
        });
        return result(action.action, action.type, action.object);
      case 'recreate':
        await this.remove(action.type, action.live);
        await this.create(action.type, action.object, parentUid);
        return result(action.action, action.type, action.object);
      case 'delete':
        await this.remove(action.type, action.live);
        return result(action.action, action.type, action.live);
    }
  }

  private apply(type: ResourceType, object: NamedObject): Promise<unknown> {
    return this.api.request({
      method: 'PATCH',
      path: resourcePath(type, target(object)),
      query: { fieldManager: this.fieldManager, force: true },
      contentType: PatchType.apply,
      body: object,
    });
  }

  /**
   * Creates an `apply` child with server-side apply, so that the operator's field manager owns every
   * field from the start: fields set by a POST belong to another manager, and an apply that later
   * drops them would leave them in place. Apply alone would also take over a same-named object
   * Operon does not own, hence the GET first (one extra request, only when creating).
   */
  private async createByApply(type: ResourceType, object: NamedObject, parentUid: string): Promise<void> {
    let existing: KubeObject | undefined;
    try {
      existing = await this.api.request<KubeObject>({
        method: 'GET',
        path: resourcePath(type, target(object)),
      });
    } catch (e) {
      if (!ApiError.isNotFound(e)) throw e;
    }
    if (existing) this.checkExisting(type, object, existing, parentUid);
    await this.apply(type, object);
  }

  private async create(type: ResourceType, object: NamedObject, parentUid: string): Promise<void> {
    try {
      await this.api.request({
        method: 'POST',
        path: resourcePath(type, { namespace: object.metadata.namespace }),
        query: { fieldManager: this.fieldManager },
        body: object,
      });
    } catch (e) {
      if (!ApiError.isAlreadyExists(e)) throw e;
      const existing = await this.api.request<KubeObject>({
        method: 'GET',
        path: resourcePath(type, target(object)),
      });
      this.checkExisting(type, object, existing, parentUid);
    }
  }

  /** An object holds the desired name: fine if this parent controls it (a lagging cache), else a conflict. */
  private checkExisting(
    type: ResourceType,
    object: NamedObject,
    existing: KubeObject,
    parentUid: string,
  ): void {
    if (isControlledBy(existing, parentUid)) {
      if (!existing.metadata?.deletionTimestamp) return;
      // A recreate whose old object is still finalizing: retry once it is gone.
      throw new OperonError(
        'API_ERROR',
        `${describeType(type)} "${object.metadata.name}" is still being deleted; will create it again once it is gone`,
      );
    }
    const owner = controllerOf(existing);
    throw new OperonError(
      'NAME_CONFLICT',
      `${type.kind} "${object.metadata.name}" already exists and is not controlled by this parent` +
        `${owner ? ` (its controller is ${owner.kind} "${owner.name}")` : ' (it has no controller)'}. ` +
        'Rename the child in sync, or delete or rename the existing object; Operon never takes over an object it did not create.',
    );
  }

  private async remove(type: ResourceType, live: NamedObject): Promise<void> {
    try {
      await this.api.request({
        method: 'DELETE',
        path: resourcePath(type, target(live)),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: 'Background',
          preconditions: { uid: live.metadata.uid },
        },
      });
    } catch (e) {
      // Gone already, or replaced by a newer object (precondition failed): nothing of ours to delete.
      if (ApiError.isNotFound(e) || ApiError.isConflict(e)) return;
      throw e;
    }
  }
}

function target(obj: NamedObject): { namespace?: string; name: string } {
  return { namespace: obj.metadata.namespace, name: obj.metadata.name };
}

function result(action: ChildAction['action'], type: ResourceType, obj: NamedObject): WriteResult {
  return { action, type, name: obj.metadata.name, namespace: obj.metadata.namespace };
}
