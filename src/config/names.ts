import type { ResourceType } from '../types/resource-type.js';
import type { OperatorConfig } from './operator-config.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * The operator name Operon derives from a class name when `@Operator` sets none.
 *
 * @remarks
 * Kebab-case of the class name with a trailing `Operator` dropped. The result is not checked here;
 * validation reports a name that is not a DNS-1123 label.
 *
 * @example
 * ```ts
 * defaultOperatorName('EchoServerOperator'); // 'echo-server'
 * defaultOperatorName('HTTPProxyOperator');  // 'http-proxy'
 * ```
 */
export function defaultOperatorName(className: string): string {
  const base = className.replace(/Operator$/, '') || className;
  return base
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/**
 * Tells whether a string is a DNS-1123 label: what Kubernetes accepts as a label value, a field
 * manager component and a finalizer's name part.
 *
 * @remarks
 * At most 63 characters of lower-case letters, digits and `-`, starting and ending with a letter or digit.
 *
 * @example
 * ```ts
 * isDnsLabel('echo-server'); // true
 * isDnsLabel('Echo_Server'); // false
 * ```
 */
export function isDnsLabel(name: string): boolean {
  return typeof name === 'string' && name.length <= 63 && DNS_LABEL.test(name);
}

/**
 * Tells whether a string is a valid domain-qualified finalizer name, `<domain>/<name>`.
 *
 * @remarks
 * The domain is a DNS subdomain (at most 253 characters); the name is a Kubernetes qualified name
 * (at most 63 characters of letters, digits, `-`, `_` and `.`). Kubernetes warns about finalizers
 * without a domain, so Operon requires one.
 *
 * @example
 * ```ts
 * isFinalizerName('example.com/cleanup'); // true
 * isFinalizerName('cleanup');             // false
 * ```
 */
export function isFinalizerName(name: string): boolean {
  if (typeof name !== 'string') return false;
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  return domain.length <= 253 && DNS_SUBDOMAIN.test(domain) && rest.length <= 63 && QUALIFIED_NAME.test(rest);
}

/**
 * The finalizer name Operon puts on an operator's parents: the configured one, or
 * `<plural>.<group>/finalizer` of the parent type (as the Java Operator SDK names its default).
 *
 * @remarks
 * Only meaningful when the operator has a `finalize` function; Operon adds no finalizer otherwise.
 * The default comes from the parent type, not the operator's name, so renaming the operator class
 * (or its `name`) never strands the finalizers already on parents: a stranded finalizer keeps a
 * parent, and a namespace deletion with it, from ever finishing. One operator per parent kind
 * (enforced by `validateOperatorSet`) keeps the default unique within a process; two processes
 * reconciling one kind must set distinct names.
 *
 * @example
 * ```ts
 * finalizerNameOf({ parent: { type: EchoServer } }); // 'echoservers.example.com/finalizer'
 * ```
 */
export function finalizerNameOf(
  config: Pick<OperatorConfig, 'finalizerName'> & {
    readonly parent: { readonly type: Pick<ResourceType, 'plural' | 'group'> };
  },
): string {
  const { plural, group } = config.parent.type;
  return config.finalizerName ?? `${plural}.${group}/finalizer`;
}

// A close valid label to suggest in messages, or undefined when nothing sensible is left.
export function suggestDnsLabel(name: string): string | undefined {
  const s = String(name)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return isDnsLabel(s) ? s : undefined;
}
