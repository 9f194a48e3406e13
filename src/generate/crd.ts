import { ConfigError } from '../errors/operon-error.js';
import {
  type CustomResourceType,
  type DataClass,
  isCustomResourceType,
  type PrinterColumn,
} from '../types/custom-resource.js';
import type { KubeObject } from '../types/kube-object.js';
import { describeType } from '../types/resource-type.js';
import { needsConversionWebhook } from '../types/resource-versions.js';
import { crdNameOf } from '../webhooks/conversion.js';
import { type CrdWebhookConversion, crdConversion } from '../webhooks/crd-conversion.js';
import type { WebhookClient } from '../webhooks/webhook-configuration.js';
import { classSchema } from './class-schema.js';
import { freeObject, type JsonSchema } from './json-schema.js';
import type { OperatorDeclaration } from './operator-declaration.js';
import { statusSchema } from './status-schema.js';

/** One served version of a {@link CustomResourceDefinition}. */
export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema: { openAPIV3Schema: JsonSchema };
  subresources: { status: Record<string, never> };
  additionalPrinterColumns?: {
    name: string;
    type: PrinterColumn['type'];
    jsonPath: string;
    description?: string;
    priority?: number;
  }[];
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition, as {@link generateCrds} builds it. */
export interface CustomResourceDefinition extends KubeObject {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: {
      plural: string;
      singular: string;
      kind: string;
      listKind: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: CrdVersion[];
    /** With versions the operator converts: how the API server reaches its conversion webhook. */
    conversion?: CrdWebhookConversion;
  };
}

/** Options of {@link generateCrds}. */
export interface CrdOptions {
  /** Receives a line for every part of the spec or status classes the schema could not express. */
  notes?: string[];
  /**
   * How the API server reaches the operator's webhooks (the Service in front of it, or a URL): the
   * conversion webhook of a parent whose versions convert (`customResource({ versions })` with
   * `convert`). Required for such a parent, whose CRD otherwise could not be installed.
   */
  webhook?: WebhookClient;
}

/**
 * Builds the CustomResourceDefinition of every operator's parent, from its type and its spec and
 * status classes.
 *
 * @remarks
 * Only parents described with `customResource()` (or inline in `@Operator`) get a CRD: a parent
 * given as a plain `resourceType()` is taken to be defined elsewhere (a built-in or a third-party
 * CRD). Each CRD has a structural schema (see {@link classSchema}; without a spec class the spec
 * keeps any field), the status subresource, the scope, names (plural, singular, kind, listKind,
 * short names, categories) and the printer columns: the declared ones, then Operon's `Synced`
 * (the status of the `Synced` condition), `Reason` (its reason) and `Ready` (the author's own
 * `Ready` condition, if reported; these two have priority 1, so `kubectl get -o wide` shows them)
 * unless a declared column has that name or JSON path, then `Age`, since
 * declaring any column hides the default one. Operators whose parents are versions of one
 * kind share one CRD; the first version listed is the storage version.
 *
 * A parent declared with `versions` gets all of them, each with its own schema, `served` (and
 * `deprecated`) as declared and one `storage`; when its versions convert through the operator, a
 * `spec.conversion` with `strategy: Webhook`, `conversionReviewVersions: ['v1']` and `options.webhook`
 * as the client configuration (the running operator adds the `caBundle`).
 *
 * @example
 * ```ts
 * const [crd] = generateCrds(declarationsFromClasses([EchoServerOperator]));
 * crd.metadata.name; // 'echoservers.example.com'
 * ```
 *
 * @throws ConfigError when a parent's versions convert through the operator and `options.webhook`
 * does not say how the API server reaches it.
 */
export function generateCrds(
  operators: readonly OperatorDeclaration[],
  options: CrdOptions = {},
): CustomResourceDefinition[] {
  const byName = new Map<string, CustomResourceDefinition>();
  const unreachable: string[] = [];
  for (const op of operators) {
    const type = op.parent.type;
    if (!isCustomResourceType(type)) continue;
    const crd = byName.get(crdName(type)) ?? emptyCrd(type);
    byName.set(crdName(type), crd);
    if (type.versions) {
      if (crd.spec.versions.length > 0) continue;
      for (const v of type.versions) {
        // The operator's own classes win over those the type carries (as at run time).
        const own = v.name === type.version;
        const spec = (own ? op.parent.spec : undefined) ?? v.spec;
        const status = (own ? op.parent.status : undefined) ?? v.status;
        crd.spec.versions.push({
          ...crdVersion(type, v.name, spec, status, v.storage === true, options.notes),
          served: v.served !== false,
          ...(v.deprecated ? { deprecated: true } : {}),
          ...(typeof v.deprecated === 'string' ? { deprecationWarning: v.deprecated } : {}),
        });
      }
      if (!needsConversionWebhook(type)) continue;
      if (options.webhook) crd.spec.conversion = crdConversion(type, options.webhook);
      else unreachable.push(describeType(type));
      continue;
    }
    if (crd.spec.versions.some((v) => v.name === type.version)) continue;
    const spec = op.parent.spec ?? type.spec;
    const status = op.parent.status ?? type.status;
    crd.spec.versions.push(
      crdVersion(type, type.version, spec, status, crd.spec.versions.length === 0, options.notes),
    );
  }
  if (unreachable.length > 0) {
    throw new ConfigError(
      unreachable.map(
        (t) =>
          `${t} converts between its versions through the operator, so its CRD must say how the API server reaches the operator's webhook: pass webhook (a Service or a URL) to generateCrds — \`operon crd --webhook -n <namespace>\` or \`--webhook-url https://127.0.0.1:9443\`, \`operon manifests --webhook\`.`,
      ),
    );
  }
  return [...byName.values()];
}

/**
 * `<plural>.<group>`, the name the API server requires for a CRD.
 *
 * @remarks
 * The API server rejects a CRD under any other name.
 *
 * @example
 * ```ts
 * crdName(EchoServerResource); // 'echoservers.example.com'
 * ```
 */
export function crdName(type: Pick<CustomResourceType, 'plural' | 'group'>): string {
  return crdNameOf(type);
}

function emptyCrd(type: CustomResourceType): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(type), labels: { 'app.kubernetes.io/managed-by': 'operon' } },
    spec: {
      group: type.group,
      scope: type.namespaced ? 'Namespaced' : 'Cluster',
      names: {
        plural: type.plural,
        singular: type.kind.toLowerCase(),
        kind: type.kind,
        listKind: `${type.kind}List`,
        ...(type.shortNames.length ? { shortNames: [...type.shortNames] } : {}),
        ...(type.categories.length ? { categories: [...type.categories] } : {}),
      },
      versions: [],
    },
  };
}

function crdVersion(
  type: CustomResourceType,
  name: string,
  specClass: DataClass | undefined,
  statusClass: DataClass | undefined,
  storage: boolean,
  notes: string[] | undefined,
): CrdVersion {
  const spec = specClass ? classSchema(specClass, { notes }) : freeObject();
  const status = statusSchema(statusClass, notes);
  const root: JsonSchema = {
    type: 'object',
    ...(spec.required?.length ? { required: ['spec'] } : {}),
    properties: { spec, status },
  };
  return {
    name,
    served: true,
    storage,
    schema: { openAPIV3Schema: root },
    subresources: { status: {} },
    additionalPrinterColumns: printerColumns(type.printerColumns),
  };
}

/** The column `kubectl get` shows for Operon's `Synced` condition on every parent. */
export const SYNCED_COLUMN = {
  name: 'Synced',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Synced")].status',
  description: 'Whether the last pass brought every child to the desired state (True) or failed (False).',
} as const;

/** The reason of the `Synced` condition, shown by `kubectl get -o wide` (priority 1). */
export const SYNCED_REASON_COLUMN = {
  name: 'Reason',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Synced")].reason',
  description: 'Why the Synced condition is as it is (e.g. Synced, InvalidSpec, SyncFailed).',
  priority: 1,
} as const;

/**
 * The author's own `Ready` condition (see `setCondition`), shown by `kubectl get -o wide`: empty for
 * parents whose operator does not report readiness, so it costs nothing where unused.
 */
export const READY_COLUMN = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'The Ready condition the operator reports, if it reports one.',
  priority: 1,
} as const;

function printerColumns(
  columns: readonly PrinterColumn[],
): NonNullable<CrdVersion['additionalPrinterColumns']> {
  const out: NonNullable<CrdVersion['additionalPrinterColumns']> = columns.map((c) => ({
    name: c.name,
    type: c.type,
    jsonPath: c.jsonPath,
    ...(c.description ? { description: c.description } : {}),
    ...(c.priority !== undefined ? { priority: c.priority } : {}),
  }));
  // Operon's own columns, unless the author declared a column of that name or path.
  for (const own of [SYNCED_COLUMN, SYNCED_REASON_COLUMN, READY_COLUMN]) {
    if (!out.some((c) => c.name === own.name || c.jsonPath === own.jsonPath)) out.push({ ...own });
  }
  const hasAge = columns.some((c) => c.jsonPath === '.metadata.creationTimestamp' || c.name === 'Age');
  if (!hasAge) out.push({ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' });
  return out;
}
