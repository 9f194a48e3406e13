import {
  describeMissingPermissions,
  missingPermissions,
  type PermissionCheckOptions,
} from '../generate/check-permissions.js';
import type { OperatorDeclaration } from '../generate/operator-declaration.js';
import { defaultKubeConfig } from '../runtime/host/load-kubeconfig.js';
import { EXIT } from './cli-errors.js';

/**
 * `operon rbac <entry> --check`: asks the API server, as the current kubeconfig's user, for every
 * permission the operators need, and prints the missing ones.
 *
 * @returns the exit code: 0 when every permission is granted, 1 otherwise.
 */
export async function runRbacCheck(
  operators: readonly OperatorDeclaration[],
  options: PermissionCheckOptions,
): Promise<number> {
  const missing = await missingPermissions(defaultKubeConfig(), operators, options);
  if (missing.length === 0) {
    process.stdout.write('every permission the operators need is granted\n');
    return EXIT.ok;
  }
  process.stdout.write(`${describeMissingPermissions(missing)}\n`);
  return EXIT.failure;
}
