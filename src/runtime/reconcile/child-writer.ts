import type { KubeObject, NamedObject } from '../../types/kube-object.js';
import { describeType, type ResourceType } from '../../types/resource-type.js';
import { OperonError } from '../../errors/operon-error.js';
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
 * - `create` is a POST, never an apply: server-side apply would silently take over an object of the
 *   same name that Operon does not own. An `AlreadyExists` answer is checked: the object is ours
 *   (the cache had not caught up) → fine; someone else's → a `NAME_CONFLICT` error, nothing written.
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

  async execute(action: ChildAction, parentUid: string): Promise<WriteResult | undefined> {
    switch (action.action) {
      case 'conflict':
        throw new OperonError('NAME_CONFLICT', action.message);
      case 'create':
        await this.create(action.type, action.object, parentUid);
        return result(action.action, action.type, action.object);
      case 'apply':
        await this.api.request({
          method: 'PATCH',
          path: resourcePath(action.type, target(action.object)),
          query: { fieldManager: this.fieldManager, force: true },
          contentType: PatchType.apply,
          body: action.object,
        });
        return result(action.action, action.type, action.object);
      case 'replace':
        await this.api.request({ method: 'PUT', path: resourcePath(action.type, target(action.object)), body: action.object });
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

  private async create(type: ResourceType, object: NamedObject, parentUid: string): Promise<void> {
    try {
      await this.api.request({ method: 'POST', path: resourcePath(type, { namespace: object.metadata.namespace }), body: object });
    } catch (e) {
      if (!ApiError.isAlreadyExists(e)) throw e;
      const existing = await this.api.request<KubeObject>({ method: 'GET', path: resourcePath(type, target(object)) });
      if (isControlledBy(existing, parentUid)) {
        if (existing.metadata?.deletionTimestamp) {
          // A recreate whose old object is still finalizing: retry once it is gone.
          throw new OperonError('API_ERROR', `${describeType(type)} "${object.metadata.name}" is still being deleted; will create it again once it is gone`);
        }
        return;
      }
      const owner = controllerOf(existing);
      throw new OperonError(
        'NAME_CONFLICT',
        `${type.kind} "${object.metadata.name}" already exists and is not controlled by this parent` +
          `${owner ? ` (its controller is ${owner.kind} "${owner.name}")` : ' (it has no controller)'}. ` +
          'Rename the child in sync, or delete or rename the existing object; Operon never takes over an object it did not create.',
      );
    }
  }

  private async remove(type: ResourceType, live: NamedObject): Promise<void> {
    try {
      await this.api.request({
        method: 'DELETE',
        path: resourcePath(type, target(live)),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: live.metadata.uid } },
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
