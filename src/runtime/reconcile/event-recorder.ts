import { randomBytes } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import type { KubeObject } from '../../types/kube-object.js';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';

/** `Normal` for things that went as planned, `Warning` for what a person should look at. */
export type EventType = 'Normal' | 'Warning';

/**
 * Records Kubernetes Events (core/v1) about parents, the way `kubectl describe` shows them.
 *
 * @remarks
 * Repeats of the same (object, reason, message) are folded into one Event whose `count` grows,
 * as client-go's event correlator does, so a failing parent that retries with backoff does not
 * flood the namespace. Recording never throws: an Event that cannot be written is logged.
 *
 * Each Event names who reported it, as `kubectl describe` and `kubectl events` show it (the
 * `From` column): `source.component` and `reportingComponent` are `component` (the host passes
 * the operator's name), and `reportingInstance` is `instance`: by default the `POD_NAME`
 * environment variable, else `HOSTNAME` (a Pod's hostname is its name), else `component`.
 */
export class EventRecorder {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number }>();
  private readonly instance: string;

  constructor(
    private readonly api: ApiClient,
    private readonly component: string,
    private readonly log: Logger,
    instance?: string,
  ) {
    this.instance = instance || process.env.POD_NAME || process.env.HOSTNAME || component;
  }

  async record(regarding: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = regarding.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const key = `${meta.uid}\u0000${reason}\u0000${message}`;
    const now = new Date().toISOString();
    const seen = this.recent.get(key);
    try {
      if (seen) {
        seen.count++;
        await this.api.request({
          method: 'PATCH',
          path: `/api/v1/namespaces/${seen.namespace}/events/${seen.name}`,
          contentType: 'application/merge-patch+json',
          body: { count: seen.count, lastTimestamp: now },
        });
        return;
      }
    } catch (e) {
      if (!ApiError.isNotFound(e)) return this.failed(e, reason);
      // The Event expired (default TTL 1 h): start a new one.
    }
    const name = `${meta.name ?? 'unknown'}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
    try {
      await this.api.request({
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/events`,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: regarding.apiVersion,
            kind: regarding.kind,
            name: meta.name,
            namespace: meta.namespace,
            uid: meta.uid,
            resourceVersion: meta.resourceVersion,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: this.component },
          reportingComponent: this.component,
          reportingInstance: this.instance,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      if (this.recent.size > 4096) this.recent.clear();
      this.recent.set(key, { name, namespace, count: 1 });
    } catch (e) {
      this.failed(e, reason);
    }
  }

  private failed(e: unknown, reason: string): void {
    this.log.warn({ err: e instanceof Error ? e.message : String(e), reason }, 'could not record an Event');
  }
}
