import { OperonError } from '../../errors/operon-error.js';
import type { KubeObject, NamedObject } from '../../types/kube-object.js';
import { describeType, type ResourceType } from '../../types/resource-type.js';
import type { UpdateStrategy } from '../../types/update-strategy.js';
import { type ApiClient, PatchType } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { resourcePath } from '../api/resource-path.js';
import { type ChildAction, controllerOf, isControlledBy } from '../planner/index.js';

/** What one write did, for Events, logs and Operon's memory of its own writes. */
export interface WriteResult {
  action: ChildAction['action'];
  type: ResourceType;
  name: string;
  namespace?: string;
  /**
   * The object as the API server answered the write: what it made of it (admission, defaults), or
   * `null` when the write removed it.
   */
  written: KubeObject | null;
}

/**
 * Carries out one planned child action against the API server.
 *
 * @remarks
 * - `create` is a POST (for `apply` children: a create-only apply, see `createByApply`). An object
 *   that already holds the name is checked: ours (the cache had not caught up) → fine; someone
 *   else's → a `NAME_CONFLICT` error and nothing written, never a takeover.
 * - `apply` is a server-side apply with `force`, field manager = the operator's name.
 * - `replace` is a PUT carrying the live resourceVersion: a concurrent change fails with 409 and the
 *   key is retried with a fresh cache.
 * - `recreate` and `delete` send a UID precondition, so they can never remove a newer object of
 *   the same name.
 * - `recreate` is two-phase: this pass only deletes, with foreground propagation, so the object and
 *   its dependents are gone before the name is reused (a StatefulSet's Pods keep their names).
 *   Pods are the exception: they own nothing, and foreground deletion would only add a
 *   garbage-collector round trip (an extra update of the Pod) to every recreate. On real clusters deletion is graceful (a
 *   Pod runs out its grace period, finalizers run), and a create sent now would fail with
 *   `AlreadyExists`. The child's DELETED event brings the parent back, and that pass creates it.
 *
 * An undefined result means nothing was written (the object was already there, as desired).
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
    signal?: AbortSignal,
  ): Promise<WriteResult | undefined> {
    switch (action.action) {
      case 'conflict':
        throw new OperonError('NAME_CONFLICT', action.message);
      case 'create': {
        const written =
          strategy === 'apply'
            ? await this.createByApply(action.type, action.object, parentUid, signal)
            : await this.create(action.type, action.object, parentUid, signal);
        return written && result(action.action, action.type, action.object, written);
      }
      case 'apply':
        return result(
          action.action,
          action.type,
          action.object,
          await this.apply(action.type, action.object),
        );
      case 'replace': {
        const written = await this.api.request<KubeObject>({
          method: 'PUT',
          path: resourcePath(action.type, target(action.object)),
          body: action.object,
          signal,
        });
        return result(action.action, action.type, action.object, written);
      }
      case 'recreate':
        return result(
          action.action,
          action.type,
          action.live,
          await this.remove(action.type, action.live, recreatePropagation(action.type), signal),
        );
      case 'delete':
        return result(
          action.action,
          action.type,
          action.live,
          await this.remove(action.type, action.live, 'Background', signal),
        );
    }
  }

  private apply(type: ResourceType, object: NamedObject, signal?: AbortSignal): Promise<KubeObject> {
    return this.api.request<KubeObject>({
      signal,
      method: 'PATCH',
      path: resourcePath(type, target(object)),
      query: { fieldManager: this.fieldManager, force: true },
      contentType: PatchType.apply,
      body: object,
    });
  }

  /**
   * Creates an `apply` child with server-side apply, so that the operator's field manager owns every
   * field from the start: fields set by a POST belong to another manager (an `Update` entry), and an
   * apply that later drops them would leave them in place.
   *
   * Apply alone would also take over a same-named object Operon does not control. The body carries
   * {@link CREATE_ONLY_RESOURCE_VERSION} as a precondition, which makes this apply create-only in one
   * request: with no object of that name, the API server creates one and ignores the
   * resourceVersion (a create has none to check); with an object there, the precondition cannot hold
   * and the answer is 409 Conflict, with nothing written. Only then is the object read, to tell a
   * lagging cache (ours already) from someone else's object.
   */
  private async createByApply(
    type: ResourceType,
    object: NamedObject,
    parentUid: string,
    signal?: AbortSignal,
  ): Promise<KubeObject | undefined> {
    const createOnly = {
      ...object,
      metadata: { ...object.metadata, resourceVersion: CREATE_ONLY_RESOURCE_VERSION },
    };
    try {
      return await this.apply(type, createOnly, signal);
    } catch (e) {
      if (!ApiError.isConflict(e)) throw e;
    }
    let existing: KubeObject;
    try {
      existing = await this.api.request<KubeObject>({
        signal,
        method: 'GET',
        path: resourcePath(type, target(object)),
      });
    } catch (e) {
      if (!ApiError.isNotFound(e)) throw e;
      throw new OperonError(
        'API_ERROR',
        `${describeType(type)} "${object.metadata.name}" was deleted while Operon was creating it; will create it again`,
        { cause: e },
      );
    }
    // Ours already: the cache has not caught up with an earlier create. Its event is on the way and
    // brings the parent back, so nothing is written (and no second "Created" is reported) now.
    this.checkExisting(type, object, existing, parentUid);
    return undefined;
  }

  private async create(
    type: ResourceType,
    object: NamedObject,
    parentUid: string,
    signal?: AbortSignal,
  ): Promise<KubeObject | undefined> {
    try {
      return await this.api.request<KubeObject>({
        signal,
        method: 'POST',
        path: resourcePath(type, { namespace: object.metadata.namespace }),
        query: { fieldManager: this.fieldManager },
        body: object,
      });
    } catch (e) {
      if (!ApiError.isAlreadyExists(e)) throw e;
      const existing = await this.api.request<KubeObject>({
        signal,
        method: 'GET',
        path: resourcePath(type, target(object)),
      });
      this.checkExisting(type, object, existing, parentUid);
      return undefined; // ours, created earlier: see createByApply
    }
  }

  /**
   * An object holds the desired name: true if this parent controls it (a lagging cache), else a
   * `NAME_CONFLICT` is thrown.
   */
  private checkExisting(
    type: ResourceType,
    object: NamedObject,
    existing: KubeObject,
    parentUid: string,
  ): true {
    if (isControlledBy(existing, parentUid)) {
      if (!existing.metadata?.deletionTimestamp) return true;
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

  /**
   * Deletes `live` if it is still that object (UID precondition). Returns the object as the server
   * left it (being deleted: `deletionTimestamp` set), or `null` once it is gone.
   */
  private async remove(
    type: ResourceType,
    live: NamedObject,
    propagationPolicy: 'Foreground' | 'Background',
    signal?: AbortSignal,
  ): Promise<KubeObject | null> {
    try {
      const answer = await this.api.request<KubeObject>({
        signal,
        method: 'DELETE',
        path: resourcePath(type, target(live)),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy,
          preconditions: { uid: live.metadata.uid },
        },
      });
      // A graceful or foreground deletion answers with the object; an immediate one with a Status.
      return answer?.metadata?.deletionTimestamp ? answer : null;
    } catch (e) {
      // Gone already, or replaced by a newer object (precondition failed): nothing of ours to delete.
      if (ApiError.isNotFound(e) || ApiError.isConflict(e)) return null;
      throw e;
    }
  }
}

/**
 * The resourceVersion precondition that turns a server-side apply into a create-only one.
 *
 * Why "1": a resourceVersion is the storage revision of an object's last write, and revision 1 is
 * the empty store's own (etcd's first write is revision 2), so no object ever holds it and an apply
 * onto an existing object always fails its precondition. Not "0" or empty: the API server reads
 * those as "no precondition" and would apply onto the existing object.
 */
export const CREATE_ONLY_RESOURCE_VERSION = '1';

/** How a `recreate` deletes: see {@link ChildWriter}. */
export function recreatePropagation(type: ResourceType): 'Foreground' | 'Background' {
  return type.group === '' && type.kind === 'Pod' ? 'Background' : 'Foreground';
}

function target(obj: NamedObject): { namespace?: string; name: string } {
  return { namespace: obj.metadata.namespace, name: obj.metadata.name };
}

function result(
  action: ChildAction['action'],
  type: ResourceType,
  obj: NamedObject,
  written: KubeObject | null,
): WriteResult {
  return { action, type, name: obj.metadata.name, namespace: obj.metadata.namespace, written };
}
