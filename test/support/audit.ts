// Counting write requests at the API server, from the local cluster's audit log (see
// ControlPlane.auditLog): what any process sent, whatever client it used.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AUDIT_LOG } from '../../src/testkit/control-plane.js';

/** One completed write request, as the audit log records it. */
export interface AuditedWrite {
  verb: string;
  user: string;
  userAgent: string;
  uri: string;
  namespace?: string;
  resource?: string;
  /** The object's name (absent for a create by POST, whose name is in the body). */
  name?: string;
  code?: number;
  at: number;
}

/** The local cluster's audit log beside the test kubeconfig, or undefined on another cluster. */
export function auditLogOf(kubeconfigPath: string | undefined): string | undefined {
  if (!kubeconfigPath) return undefined;
  const path = join(dirname(kubeconfigPath), AUDIT_LOG);
  return existsSync(path) ? path : undefined;
}

/** Write requests completed since `sinceMs` (epoch ms) in `namespace`. */
export function auditedWrites(log: string, namespace: string, sinceMs: number): AuditedWrite[] {
  const out: AuditedWrite[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (!line.includes(`"namespace":"${namespace}"`)) continue;
    const e = JSON.parse(line) as {
      verb: string;
      user: { username: string };
      userAgent?: string;
      requestURI: string;
      objectRef?: { namespace?: string; resource?: string; subresource?: string; name?: string };
      responseStatus?: { code?: number };
      stageTimestamp: string;
    };
    const at = Date.parse(e.stageTimestamp);
    if (at < sinceMs || e.objectRef?.namespace !== namespace) continue;
    out.push({
      verb: e.verb,
      user: e.user.username,
      userAgent: e.userAgent ?? '',
      uri: e.requestURI,
      namespace: e.objectRef.namespace,
      resource: [e.objectRef.resource, e.objectRef.subresource].filter(Boolean).join('/'),
      name: e.objectRef.name,
      code: e.responseStatus?.code,
      at,
    });
  }
  return out;
}
