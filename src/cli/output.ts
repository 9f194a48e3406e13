import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toYaml } from '../generate/yaml.js';
import type { KubeObject } from '../types/kube-object.js';

// File per group, numbered so that `kubectl apply -f <dir>` (which reads files in name order)
// creates the namespace before what lives in it, and the CRDs and RBAC before the Deployment.
const FILES: readonly { file: string; kinds: readonly string[] }[] = [
  { file: '00-namespace.yaml', kinds: ['Namespace'] },
  { file: '10-crds.yaml', kinds: ['CustomResourceDefinition'] },
  {
    file: '20-rbac.yaml',
    kinds: ['ServiceAccount', 'ClusterRole', 'Role', 'ClusterRoleBinding', 'RoleBinding'],
  },
  { file: '30-deployment.yaml', kinds: ['Deployment'] },
];

/**
 * Writes objects as YAML: to stdout, or, with `outDir`, into one file per group of kinds.
 *
 * @returns the files written (empty when writing to stdout).
 */
export function writeObjects(objects: readonly KubeObject[], outDir?: string): string[] {
  if (!outDir) {
    process.stdout.write(toYaml(objects));
    return [];
  }
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const { file, kinds } of FILES) {
    const group = objects.filter((o) => kinds.includes(o.kind ?? ''));
    if (group.length === 0) continue;
    const path = join(outDir, file);
    writeFileSync(path, toYaml(group));
    written.push(path);
  }
  const other = objects.filter((o) => !FILES.some((f) => f.kinds.includes(o.kind ?? '')));
  if (other.length > 0) {
    const path = join(outDir, '40-other.yaml');
    writeFileSync(path, toYaml(other));
    written.push(path);
  }
  return written;
}

/** Prints the schema notes (what the classes could not express) on stderr, once each. */
export function printNotes(notes: readonly string[]): void {
  for (const note of new Set(notes)) process.stderr.write(`operon: note: ${note}\n`);
}
