import { OperonError } from '../../errors/operon-error.js';
import type { KubeObject, NamedObject } from '../../types/kube-object.js';
import { describeType, type ResourceType } from '../../types/resource-type.js';
import { type ApiClient, PatchType } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { resourcePath } from '../api/resource-path.js';
import { type ChildAction, controllerOf, isControlledBy } from '../planner/index.js';
import { adoptedManagedFields, fieldsToAdopt, type ManagedFieldsEntry } from './field-adoption.js';

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
 * - `create` is a POST with the operator's field manager, for every strategy. An object that
 *   already holds the name is checked: ours (the cache had not caught up) → fine; someone else's →
 *   a `NAME_CONFLICT` error and nothing written, never a takeover.
 * - `apply` is a server-side apply with `force`, field manager = the operator's name. Before the
 *   first one that would prune a field the POST set, the POST's `Update` entry is relabelled
 *   `Apply` (see `fieldsToAdopt`).
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

  async execute(
    action: ChildAction,
    parentUid: string,
    signal?: AbortSignal,
  ): Promise<WriteResult | undefined> {
    switch (action.action) {
      case 'conflict':
        throw new OperonError('NAME_CONFLICT', action.message);
      case 'create': {
        const written = await this.create(action.type, action.object, parentUid, signal);
        return written && result(action.action, action.type, action.object, written);
      }
      case 'apply':
        await this.adoptCreatedFields(action.type, action.object, action.live, signal);
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
   * Hands the fields a POST gave to the operator's `Update` entry to its `Apply` entry, when the
   * apply about to be sent would otherwise leave some of them behind (see `fieldsToAdopt`).
   *
   * The relabel names the entry's position as the cache saw it and `test`s it, and the cached
   * resourceVersion, so a stale cache fails it (422) with nothing written; then, and when there are several entries to merge, the
   * child is read and its entries rewritten under a resourceVersion test. A failure of that
   * (the child changed in between) fails the pass, which is retried with a fresh cache.
   */
  private async adoptCreatedFields(
    type: ResourceType,
    object: NamedObject,
    live: KubeObject,
    signal?: AbortSignal,
  ): Promise<void> {
    const adoption = fieldsToAdopt(live, object, this.fieldManager);
    if (!adoption) return;
    if (adoption.kind === 'relabel') {
      const at = `/metadata/managedFields/${adoption.index}`;
      try {
        await this.jsonPatch(type, object, signal, [
          // The position is the cached version's: any later write may have moved the entries.
          { op: 'test', path: '/metadata/resourceVersion', value: live.metadata?.resourceVersion },
          { op: 'test', path: `${at}/manager`, value: this.fieldManager },
          { op: 'test', path: `${at}/operation`, value: 'Update' },
          { op: 'replace', path: `${at}/operation`, value: 'Apply' },
        ]);
        return;
      } catch (e) {
        if (!ApiError.isInvalid(e)) throw e;
      }
    }
    const whole = await this.api.request<KubeObject>({
      signal,
      method: 'GET',
      path: resourcePath(type, target(object)),
    });
    const adopted = adoptedManagedFields(
      (whole.metadata?.managedFields ?? []) as ManagedFieldsEntry[],
      this.fieldManager,
    );
    if (!adopted) return;
    try {
      await this.jsonPatch(type, object, signal, [
        { op: 'test', path: '/metadata/resourceVersion', value: whole.metadata?.resourceVersion },
        { op: 'replace', path: '/metadata/managedFields', value: adopted },
      ]);
    } catch (e) {
      if (!ApiError.isInvalid(e)) throw e;
      throw new OperonError(
        'API_ERROR',
        `${describeType(type)} "${object.metadata.name}" changed while Operon was taking over the fields it created it with; will try again`,
        { cause: e },
      );
    }
  }

  private jsonPatch(
    type: ResourceType,
    object: NamedObject,
    signal: AbortSignal | undefined,
    ops: unknown[],
  ): Promise<KubeObject> {
    return this.api.request<KubeObject>({
      signal,
      method: 'PATCH',
      path: resourcePath(type, target(object)),
      query: { fieldManager: this.fieldManager },
      contentType: PatchType.json,
      body: ops,
    });
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
    this.checkExisting(type, object, existing, parentUid);
    // Ours already: the cache has not caught up with an earlier create. Its event is on the way and
    // brings the parent back, so nothing is written (and no second "Created" is reported) now.
    return undefined;
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
