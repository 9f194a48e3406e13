import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { isDnsLabel } from '../config/names.js';
import { defaultPlural } from '../types/resource-type.js';
import { UsageError } from './cli-errors.js';
import {
  type ScaffoldFile,
  type ScaffoldNames,
  type ScaffoldVersions,
  scaffoldFiles,
} from './init/templates.js';

/** The runtime dependencies a scaffold declares, at the versions Operon itself depends on. */
export const SCAFFOLD_DEPENDENCIES = [
  '@kubernetes/client-node',
  'class-transformer',
  'class-validator',
  'inversify',
  'reflect-metadata',
] as const;

/** The development dependencies a scaffold declares, at the versions Operon itself builds with. */
export const SCAFFOLD_DEV_DEPENDENCIES = ['@types/node', 'typescript'] as const;

const KIND = /^[A-Z][A-Za-z0-9]*$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why a string cannot be the name of a new npm package (the rules of `validate-npm-package-name`
 * for new packages); empty when it can.
 */
export function packageNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length === 0) return ['it is empty'];
  if (name.length > 214) problems.push('it is longer than 214 characters');
  if (name.trim() !== name) problems.push('it has leading or trailing spaces');
  if (name.startsWith('.') || name.startsWith('_')) problems.push("it starts with '.' or '_'");
  if (name.toLowerCase() !== name) problems.push('it has capital letters');
  if (/[~'!()*]/.test(name.split('/').slice(-1)[0] ?? '')) problems.push("it has one of ~'!()*");
  const scoped = /^@([^/@]+)\/([^/@]+)$/.exec(name);
  if (name.startsWith('@') && !scoped) problems.push('a scoped name is @scope/name');
  const parts = scoped ? [scoped[1] ?? '', scoped[2] ?? ''] : [name];
  if (parts.some((p) => encodeURIComponent(p) !== p))
    problems.push('it has characters that are not URL-safe');
  const base = parts[parts.length - 1] ?? '';
  if (base.startsWith('.') || base.startsWith('_')) problems.push("its name part starts with '.' or '_'");
  if (['node_modules', 'favicon.ico'].includes(base)) problems.push(`"${base}" is reserved`);
  if (!scoped && builtinModules.includes(name)) problems.push(`"${name}" is a Node.js core module`);
  return [...new Set(problems)];
}

/**
 * The names of a scaffold, derived from its npm package name: the operator name is a DNS-1123
 * label made of the name without its scope (`@acme/demo_op2` gives `demo-op2`), the kind its
 * PascalCase (`DemoOp2`) unless `kind` is given.
 *
 * @throws UsageError when the name is not a valid npm package name, or the kind or group is invalid.
 */
export function deriveNames(
  packageName: string,
  options: { kind?: string; group?: string } = {},
): ScaffoldNames {
  const problems = packageNameProblems(packageName);
  if (problems.length > 0) {
    throw new UsageError(`"${packageName}" is not a valid npm package name: ${problems.join('; ')}.`);
  }
  const base = packageName.split('/').slice(-1)[0] ?? packageName;
  let operatorName = base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  // A kind (and the plural in URLs) must start with a letter.
  if (!/^[a-z]/.test(operatorName)) operatorName = `op-${operatorName}`.replace(/-+$/, '');
  operatorName = operatorName.slice(0, 50).replace(/-+$/, '');
  const kind =
    options.kind ??
    operatorName
      .split('-')
      .filter(Boolean)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join('');
  if (!KIND.test(kind) || kind.length > 63) {
    throw new UsageError(
      `--kind "${kind}" is not a valid kind: use letters and digits, starting with a capital letter, at most 63 characters (e.g. Greeting).`,
    );
  }
  const group = options.group ?? 'example.com';
  if (!DNS_SUBDOMAIN.test(group) || !group.includes('.') || group.length > 253) {
    throw new UsageError(
      `--group "${group}" is not a valid API group: use a domain you control, e.g. example.com (lower case, with a dot).`,
    );
  }
  const plural = defaultPlural(kind);
  if (!isDnsLabel(plural))
    throw new UsageError(`--kind "${kind}" gives the plural "${plural}", which is too long.`);
  return { packageName, operatorName, kind, group, version: 'v1alpha1', plural };
}

interface PackageJson {
  name?: string;
  version?: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The path of the running Operon's own package.json (found from this module's location). */
export function operonPackageJsonPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (
      existsSync(candidate) &&
      (JSON.parse(readFileSync(candidate, 'utf8')) as PackageJson).name === 'operon'
    ) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find Operon's own package.json above its modules");
    dir = parent;
  }
}

/**
 * The versions a scaffold pins: Operon's own version, and the versions Operon itself is built and
 * tested with. A package is looked up in `dependencies`, then `devDependencies` (where a peer
 * dependency is pinned for Operon's own build), then `peerDependencies`.
 */
export function scaffoldVersions(packageJsonPath = operonPackageJsonPath()): ScaffoldVersions {
  const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as PackageJson;
  const pick = (names: readonly string[], sources: (Record<string, string> | undefined)[]) =>
    Object.fromEntries(
      names.map((name) => {
        const version = sources.map((s) => s?.[name]).find((v) => v !== undefined);
        if (!version) throw new Error(`Operon's package.json (${packageJsonPath}) does not name "${name}"`);
        return [name, version];
      }),
    );
  if (!pkg.version) throw new Error(`Operon's package.json (${packageJsonPath}) has no version`);
  return {
    operon: pkg.version,
    dependencies: pick(SCAFFOLD_DEPENDENCIES, [pkg.dependencies, pkg.devDependencies, pkg.peerDependencies]),
    devDependencies: pick(SCAFFOLD_DEV_DEPENDENCIES, [pkg.devDependencies, pkg.dependencies]),
    node: pkg.engines?.node,
  };
}

/** Options of {@link scaffold}. */
export interface ScaffoldOptions {
  /** The npm package name of the new project. */
  name: string;
  /** Folder to create; default `./<name>` (without the scope), relative to `cwd`. */
  dir?: string;
  kind?: string;
  group?: string;
  /** Default `process.cwd()`. */
  cwd?: string;
  /** Default {@link scaffoldVersions}(). */
  versions?: ScaffoldVersions;
}

/** What {@link scaffold} wrote. */
export interface ScaffoldResult {
  /** The absolute path of the project folder. */
  dir: string;
  names: ScaffoldNames;
  files: ScaffoldFile[];
}

/**
 * Writes a new Operon project: an operator with a ConfigMap child, its unit and integration tests,
 * package.json, tsconfig.json, Dockerfile and README.
 *
 * @throws UsageError for an invalid name, kind or group, or a folder that exists and is not empty
 * (nothing is written then).
 */
export function scaffold(options: ScaffoldOptions): ScaffoldResult {
  const names = deriveNames(options.name, { kind: options.kind, group: options.group });
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, options.dir ?? names.packageName.split('/').slice(-1)[0] ?? names.operatorName);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new UsageError(`${dir} exists and is not a folder; choose another --dir.`);
    if (readdirSync(dir).length > 0) {
      throw new UsageError(
        `${dir} exists and is not empty; choose another name or --dir, or empty it first.`,
      );
    }
  }
  const files = scaffoldFiles(names, options.versions ?? scaffoldVersions());
  for (const file of files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
  return { dir, names, files };
}

/** `operon init <name>`: scaffolds a new operator project. */
export function initCommand(): Command {
  return new Command('init')
    .description(
      'create a new operator project in ./<name>: an operator with a ConfigMap child, unit and integration tests, Dockerfile',
    )
    .argument('<name>', 'npm package name of the project (e.g. greeter or @acme/greeter)')
    .option(
      '-d, --dir <dir>',
      'folder to create (default: ./<name>, without the scope); must not exist or be empty',
    )
    .option(
      '--kind <Kind>',
      'kind of the custom resource (default: the name in PascalCase, demo-op → DemoOp)',
    )
    .option('--group <group>', 'API group of the custom resource', 'example.com')
    .action((name: string, flags: { dir?: string; kind?: string; group: string }) => {
      const { dir, names, files } = scaffold({ name, dir: flags.dir, kind: flags.kind, group: flags.group });
      const shown = relative(process.cwd(), dir) || '.';
      const path = shown.startsWith('..') ? dir : shown;
      const cdTo = /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
      const out = [
        `Created ${names.packageName} in ${dir}: a ${names.kind} (${names.group}/${names.version}) operator.`,
        ...files.map((f) => `  ${f.path}`),
        '',
        'Next steps:',
        `  cd ${cdTo} && npm install && npm test`,
        '',
        'npm test builds, runs the unit tests, and runs the integration test on the cluster in',
        'OPERON_KUBECONFIG or KUBECONFIG, or else on a local control plane Operon starts (built from',
        'Go modules the first time: minutes). README.md says how to run and deploy the operator.',
        '',
      ];
      process.stdout.write(out.join('\n'));
    });
}
