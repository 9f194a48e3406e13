/**
 * @packageDocumentation
 * Generation from operator declarations: CRDs with structural schemas from the spec and status
 * classes, least-privilege RBAC, a Deployment, all as plain objects or YAML. Works from
 * `OperatorConfig`s, so hand-written configs get the same output as decorated classes.
 */
import 'reflect-metadata';

export {
  describeMissingPermission,
  describeMissingPermissions,
  type MissingPermission,
  missingPermissions,
  type PermissionCheckOptions,
} from './check-permissions.js';
export { type ClassSchemaOptions, classSchema } from './class-schema.js';
export {
  type CrdOptions,
  type CrdVersion,
  type CustomResourceDefinition,
  crdName,
  generateCrds,
} from './crd.js';
export {
  type DeploymentOptions,
  generateDeployment,
  OPERATOR_NODE_FLAGS,
  WATCH_NAMESPACES_ENV,
} from './deployment.js';
export { declarationsFromClasses } from './from-classes.js';
export type { JsonSchema, JsonSchemaType } from './json-schema.js';
export { generateManifests, type ManifestOptions } from './manifests.js';
export type { OperatorDeclaration } from './operator-declaration.js';
export {
  type Permission,
  type PermissionOptions,
  type PermissionScope,
  RELATED_VERBS,
  requiredPermissions,
  STRATEGY_VERBS,
  type Verb,
} from './permissions.js';
export { generateRbac, metricsReaderRole, type RbacOptions, toPolicyRules } from './rbac.js';
export { CONDITIONS_SCHEMA, OBSERVED_GENERATION_SCHEMA, statusSchema } from './status-schema.js';
export { toStructural } from './structural.js';
export { toYaml } from './yaml.js';
