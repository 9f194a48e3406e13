import { show } from './json.js';
import { formProblem, type Shape, shapeProblem, subdomainProblem } from './names.js';

// The syntax of label and annotation keys and label values, as apimachinery's `IsQualifiedName`,
// `IsValidLabelValue` and `ValidateAnnotations` define it. Operon checks it before writing so that a
// response the API server would refuse in part is refused whole (DESIGN rule 3).

const QUALIFIED_NAME_SHAPE: Shape = { chars: /[-A-Za-z0-9_.]/, first: /[A-Za-z0-9]/, last: /[A-Za-z0-9]/ };

/** The most characters in a label value and in the name part of a key. */
const NAME_MAX = 63;

/** The most bytes all of an object's annotation keys and values may add up to: 256 KiB. */
export const ANNOTATIONS_SIZE_LIMIT = 262_144;

/** The key form (label and annotation keys, finalizer names) in words, for messages. */
export const KEY_FORM =
  "a name of at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric, " +
  "optionally after a DNS subdomain prefix (at most 253 characters, lower-case) and a '/' (e.g. 'app' or 'example.com/app')";

/** The label value rule in words, for messages. */
export const LABEL_VALUE_RULE =
  "a label value is empty or at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";

/**
 * Why `key` is not a qualified name, the syntax of label keys and finalizers (and, lower-cased, of
 * annotation keys): an optional DNS subdomain prefix and '/', then a name of at most 63 characters.
 *
 * @returns every reason, joined, as clauses about the key ("its name part is empty"); undefined
 * when the key is valid.
 */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `it contains ${parts.length - 1} '/' (at most one, after the prefix)`;
  const reasons: string[] = [];
  const prefixed = parts.length === 2;
  if (prefixed) {
    const prefix = parts[0] ?? '';
    const why = prefix === '' ? undefined : subdomainProblem(prefix);
    if (prefix === '') reasons.push("it has nothing before the '/'");
    else if (why) reasons.push(`its prefix ${show(prefix)} ${why}`);
  }
  const name = parts[parts.length - 1] ?? '';
  const subject = prefixed ? 'its name part' : 'it';
  if (name === '') {
    reasons.push(`${subject} is empty`);
  } else {
    if (name.length > NAME_MAX) reasons.push(`${subject} is ${name.length} characters long`);
    const why = shapeProblem(name, QUALIFIED_NAME_SHAPE);
    if (why) reasons.push(`${subject} ${why}`);
  }
  return reasons.length === 0 ? undefined : reasons.join(' and ');
}

/**
 * Why `key` is not a valid annotation key, or undefined.
 *
 * @remarks
 * The API server lower-cases annotation keys before checking them (label keys it does not), so
 * `Example.com/Note` is a valid annotation key and an invalid label key.
 */
export function annotationKeyProblem(key: string): string | undefined {
  return qualifiedNameProblem(goToLower(key));
}

// Go's strings.ToLower as far as it can turn a key valid: ASCII letters, and the two non-ASCII
// letters whose lower case is ASCII (KELVIN SIGN → "k"; JavaScript maps U+0130 to "i" plus a
// combining dot, Go to a plain "i"). Other non-ASCII letters stay invalid in either case.
function goToLower(text: string): string {
  return text.replace(/[A-Z\u212A\u0130]/g, (c) =>
    c === '\u212A' ? 'k' : c === '\u0130' ? 'i' : c.toLowerCase(),
  );
}

/** Why `value` is not a valid label value (empty is valid), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  return value === '' ? undefined : formProblem(value, NAME_MAX, QUALIFIED_NAME_SHAPE);
}

/** The bytes the API server counts against {@link ANNOTATIONS_SIZE_LIMIT} for one annotation: key plus value, UTF-8. */
export function annotationSize(key: string, value: string): number {
  return Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
}
