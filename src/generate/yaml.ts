import { stringify } from 'yaml';

/**
 * Writes objects as one multi-document YAML stream, ready for `kubectl apply -f -`.
 *
 * @remarks
 * Keys keep their order; long strings are not folded, so patterns and messages stay on one line.
 * Written with YAML 1.1 rules, the ones kubectl reads with: strings such as `on`, `yes` or `012`
 * are quoted, so they stay strings.
 *
 * @example
 * ```ts
 * process.stdout.write(toYaml(generateCrds(configs)));
 * ```
 */
export function toYaml(objects: readonly unknown[]): string {
  return objects
    .map((o) => `---\n${stringify(o, { lineWidth: 0, version: '1.1', aliasDuplicateObjects: false })}`)
    .join('');
}
