import type { ResourceType } from '../../types/resource-type.js';
import { isRecord } from './json.js';

/**
 * Which characters a piece of text may hold anywhere, first and last. With `dotted`, `first` and
 * `last` apply to every '.'-separated part, as in DNS names.
 */
export interface Shape {
  /** Matches one allowed character. */
  readonly chars: RegExp;
  readonly first: RegExp;
  readonly last: RegExp;
  readonly dotted?: boolean;
}

const LOWER_ALNUM = /[a-z0-9]/;

/** DNS-1123 label, as apimachinery's `IsDNS1123Label` (length apart). */
const DNS_LABEL_SHAPE: Shape = { chars: /[-a-z0-9]/, first: LOWER_ALNUM, last: LOWER_ALNUM };
/** DNS-1123 subdomain, as apimachinery's `IsDNS1123Subdomain` (length apart). */
const SUBDOMAIN_SHAPE: Shape = {
  chars: /[-a-z0-9.]/,
  first: LOWER_ALNUM,
  last: LOWER_ALNUM,
  dotted: true,
};
/** DNS-1035 label, as apimachinery's `IsDNS1035Label` (length apart). */
const DNS1035_SHAPE: Shape = { chars: /[-a-z0-9]/, first: /[a-z]/, last: LOWER_ALNUM };

const quote = (text: string): string => JSON.stringify(text);

/**
 * Says how `text` breaks `shape`, naming the first offending character, so an author sees what to
 * change rather than a regular expression.
 *
 * @returns a phrase that follows the text's subject ("contains upper-case \"W\"", "ends with \"-\""),
 * or undefined when `text` fits. Empty text never fits; callers that allow it test for it first.
 */
export function shapeProblem(text: string, shape: Shape): string | undefined {
  if (text === '') return 'is empty';
  for (const c of text) {
    if (!shape.chars.test(c)) return `contains ${/^[A-Z]$/.test(c) ? 'upper-case ' : ''}${quote(c)}`;
  }
  const parts = shape.dotted ? text.split('.') : [text];
  const last = parts.length - 1;
  for (const [i, part] of parts.entries()) {
    if (part === '') return i === 0 ? 'starts with "."' : i === last ? 'ends with "."' : 'contains ".."';
    const head = part.charAt(0);
    const tail = part.charAt(part.length - 1);
    if (!shape.first.test(head))
      return i === 0 ? `starts with ${quote(head)}` : `has ${quote(head)} after a "."`;
    if (!shape.last.test(tail))
      return i === last ? `ends with ${quote(tail)}` : `has ${quote(tail)} before a "."`;
  }
  return undefined;
}

/**
 * Every way `text` breaks a length limit and a shape, joined ("is 70 characters long and contains
 * \"_\""), so one message covers all an author has to fix; undefined when it is valid.
 */
export function formProblem(text: string, maxLength: number, shape: Shape): string | undefined {
  // apimachinery counts bytes, JavaScript UTF-16 units: they differ only on non-ASCII text, which
  // every shape refuses anyway.
  const reasons = [
    text.length > maxLength ? `is ${text.length} characters long` : undefined,
    shapeProblem(text, shape),
  ].filter((reason) => reason !== undefined);
  return reasons.length === 0 ? undefined : reasons.join(' and ');
}

/** Why `text` is not a DNS-1123 subdomain (at most 253 characters), or undefined when it is. */
export function subdomainProblem(text: string): string | undefined {
  return formProblem(text, 253, SUBDOMAIN_SHAPE);
}

/** Why `text` is not a DNS-1123 label (at most 63 characters), or undefined when it is. */
export function dnsLabelProblem(text: string): string | undefined {
  return formProblem(text, 63, DNS_LABEL_SHAPE);
}

/** The DNS-1123 label rule in words, for messages. */
export const DNS_LABEL_RULE =
  "at most 63 characters, lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. 'web-1')";

/** One of the API server's object-name forms, with the words that tell an author how to meet it. */
interface NameForm {
  /** Plural, as in "Service names must be DNS-1035 labels". */
  readonly title: string;
  readonly maxLength: number;
  readonly shape: Shape;
  /** The form in words, saying why the limit is what it is when that is not obvious. */
  readonly rule: string;
}

const SUBDOMAIN_CHARS =
  "lower-case letters, digits, '-' and '.', with a letter or digit at each end and on each side of a '.'";

const SUBDOMAIN: NameForm = {
  title: 'DNS subdomains',
  maxLength: 253,
  shape: SUBDOMAIN_SHAPE,
  rule: `at most 253 characters, ${SUBDOMAIN_CHARS} (e.g. 'web-1' or 'web.v1')`,
};

const DNS_LABEL: NameForm = {
  title: 'DNS labels',
  maxLength: 63,
  shape: DNS_LABEL_SHAPE,
  rule: DNS_LABEL_RULE,
};

// A Service's name becomes a DNS name and an environment variable prefix in its namespace's Pods,
// hence the stricter DNS-1035 form (no leading digit).
const DNS1035_LABEL: NameForm = {
  title: 'DNS-1035 labels',
  maxLength: 63,
  shape: DNS1035_SHAPE,
  rule: "at most 63 characters, lower-case letters, digits and '-', starting with a letter and ending with a letter or digit (e.g. 'web')",
};

// The CronJob controller names each Job `<cronjob>-<11 characters>`, and the API server enforces
// the room for that at create time.
const CRONJOB: NameForm = {
  ...SUBDOMAIN,
  maxLength: 52,
  rule: `at most 52 characters (the CronJob controller appends 11 to name each Job), ${SUBDOMAIN_CHARS} (e.g. 'nightly-backup')`,
};

// Unless the selector is manual, the API server copies a Job's name into its Pod template's
// `job-name` labels and requires them to equal the name, so the name must also be a valid label value.
const JOB: NameForm = {
  ...SUBDOMAIN,
  maxLength: 63,
  rule: `at most 63 characters (the API server copies the name into the label 'batch.kubernetes.io/job-name' of the Job's Pods, unless spec.manualSelector is true), ${SUBDOMAIN_CHARS} (e.g. 'migrate-1')`,
};

const PATH_SEGMENT_RULE =
  "no object name may be '.' or '..' or contain '/' or '%', because the name is a segment of the object's URL";

/** Why `name` cannot be a segment of a URL path (apimachinery's `IsValidPathSegmentName`), or undefined. */
function pathSegmentProblem(name: string): string | undefined {
  if (name === '.' || name === '..') return `is ${quote(name)}`;
  const bad = /[/%]/.exec(name);
  return bad ? `contains ${quote(bad[0])}` : undefined;
}

/**
 * The form the API server's validation applies to names of `type`; undefined when only the
 * path-segment rule applies. Anything not listed (custom resources included) takes a DNS subdomain,
 * as the API server's default does.
 */
function nameFormOf(type: Pick<ResourceType, 'group' | 'kind'>, object: unknown): NameForm | undefined {
  switch (`${type.group}/${type.kind}`) {
    case '/Service':
      return DNS1035_LABEL;
    case '/Namespace':
      return DNS_LABEL;
    // RBAC names allow ':' and upper case, as in "system:node"; only the path-segment rule holds.
    case 'rbac.authorization.k8s.io/Role':
    case 'rbac.authorization.k8s.io/ClusterRole':
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      return undefined;
    case 'batch/CronJob':
      return CRONJOB;
    case 'batch/Job':
      return hasManualSelector(object) ? SUBDOMAIN : JOB;
    default:
      return SUBDOMAIN;
  }
}

function hasManualSelector(object: unknown): boolean {
  return isRecord(object) && isRecord(object.spec) && object.spec.manualSelector === true;
}

/**
 * Checks an object name against the rules the API server applies to its type: the path-segment rule
 * every name obeys, then the type's own form (a DNS subdomain by default; a DNS label for Namespace;
 * a DNS-1035 label for Service; at most 52 characters for a CronJob and 63 for a Job without a
 * manual selector; no further form for RBAC objects).
 *
 * @param object - the whole desired object, for rules that depend on its spec (a Job's selector).
 * @returns why the name is invalid and what a valid one looks like, phrased to follow
 * "metadata.name"; undefined when the API server will accept it.
 */
export function checkObjectName(
  type: Pick<ResourceType, 'group' | 'kind'>,
  name: string,
  object?: unknown,
): string | undefined {
  const segment = pathSegmentProblem(name);
  if (segment) return `${segment}; ${PATH_SEGMENT_RULE}`;
  const form = nameFormOf(type, object);
  const why = form && formProblem(name, form.maxLength, form.shape);
  return form && why ? `${why}; ${type.kind} names must be ${form.title}: ${form.rule}` : undefined;
}
