import type { ResourceType } from '../../types/resource-type.js';

/** One of the API server's object-name rules. */
interface NameRule {
  /** Returns why `name` breaks the rule, or undefined when it is valid. */
  check(name: string): string | undefined;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const subdomain: NameRule = {
  check: (name) =>
    name.length > 253
      ? `is ${name.length} characters long; the limit is 253`
      : DNS1123_SUBDOMAIN.test(name)
        ? undefined
        : 'must be a DNS subdomain: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit (e.g. "web-1")',
};

const label: NameRule = {
  check: (name) =>
    name.length > 63
      ? `is ${name.length} characters long; the limit is 63`
      : DNS1123_LABEL.test(name)
        ? undefined
        : 'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit (e.g. "web-1")',
};

const label1035: NameRule = {
  check: (name) =>
    name.length > 63
      ? `is ${name.length} characters long; the limit is 63`
      : DNS1035_LABEL.test(name)
        ? undefined
        : 'must be a DNS-1035 label: lower-case letters, digits and "-", starting with a letter and ending with a letter or digit (e.g. "web")',
};

const pathSegment: NameRule = {
  check: (name) =>
    name === '.' || name === '..'
      ? 'may not be "." or ".."'
      : /[/%]/.test(name)
        ? 'may not contain "/" or "%"'
        : undefined,
};

// The API server validates names per kind; these are the built-ins that differ from the DNS-subdomain
// default (Service names become DNS labels, RBAC names allow ":" as in "system:node").
const RULES: ReadonlyMap<string, NameRule> = new Map([
  ['/Service', label1035],
  ['/Namespace', label],
  ['rbac.authorization.k8s.io/Role', pathSegment],
  ['rbac.authorization.k8s.io/ClusterRole', pathSegment],
  ['rbac.authorization.k8s.io/RoleBinding', pathSegment],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', pathSegment],
]);

/**
 * Checks an object name against the rule the API server applies to its type.
 *
 * @returns why the name is invalid, or undefined when the API server will accept it.
 */
export function checkObjectName(
  type: Pick<ResourceType, 'group' | 'kind'>,
  name: string,
): string | undefined {
  return (RULES.get(`${type.group}/${type.kind}`) ?? subdomain).check(name);
}
