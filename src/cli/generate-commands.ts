import { basename, extname, relative } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isDnsLabel, suggestDnsLabel } from '../config/names.js';
import { generateCrds } from '../generate/crd.js';
import { operonRunCommand } from '../generate/deployment.js';
import { generateManifests } from '../generate/manifests.js';
import { requiredPermissions } from '../generate/permissions.js';
import { generateRbac } from '../generate/rbac.js';
import {
  addCrdWebhookFlags,
  addManifestWebhookFlags,
  type CrdWebhookFlags,
  crdWebhookOptions,
  type ManifestWebhookFlags,
  manifestWebhookOptions,
} from '../webhooks/cli-flags.js';
import { manifestWebhookClient } from '../webhooks/webhook-manifests.js';
import { runRbacCheck } from './check-command.js';
import { UsageError } from './cli-errors.js';
import { type LoadedEntry, loadEntry } from './load-entry.js';
import { printNotes, writeObjects } from './output.js';

const ENTRY_HELP = `
The <entry> module is compiled JavaScript that defines or registers the operators. It may export
\`operators\` (an array of @Operator classes), \`configs\` (hand-written OperatorConfig objects),
\`container\` or \`createContainer\` (an InversifyJS container with the operators bound, or a function
returning one), or \`default\` (any of these). If it exports none of them, every @Operator class
evaluated while importing it is used. Nothing is constructed: only decorators and configs are read.`;

interface RbacFlags {
  name?: string;
  namespace: string;
  watchNamespace?: string[];
  leaderElection?: boolean;
  sharding?: boolean;
  out?: string;
  check?: boolean;
  explain?: boolean;
}

interface ManifestFlags extends RbacFlags, ManifestWebhookFlags {
  image: string;
  shards?: number;
  createNamespace?: boolean;
  entryInImage?: string;
}

/** `operon crd <entry>`: the CRDs of the operators' parents. */
export function crdCommand(): Command {
  return addCrdWebhookFlags(new Command('crd'))
    .description(
      'print the CustomResourceDefinitions of the operators in <entry> (structural schemas from the spec and status classes)',
    )
    .argument('<entry>', 'compiled module that defines or registers the operators')
    .option('-o, --out <dir>', 'write 10-crds.yaml into this folder instead of printing')
    .addHelpText('after', ENTRY_HELP)
    .action(async (entry: string, flags: CrdWebhookFlags & { out?: string; name?: string }) => {
      const webhook = usage(() => crdWebhookOptions(flags));
      const loaded = await loadEntry(entry);
      const notes: string[] = [];
      const namespace = flags.namespace ?? 'default';
      if (flags.namespace) checkLabel('--namespace', flags.namespace);
      const client =
        webhook && manifestWebhookClient({ name: appName(loaded, flags.name), namespace }, webhook);
      const crds = generateCrds(loaded.declarations, { notes, webhook: client });
      printNotes(notes);
      if (crds.length === 0) {
        process.stderr.write(
          'operon: no operator in the entry owns a custom resource made with customResource(); there is no CRD to print\n',
        );
      }
      report(writeObjects(crds, flags.out));
    });
}

/** `operon rbac <entry>`: the least-privilege ServiceAccount, role(s) and binding(s). */
export function rbacCommand(): Command {
  return withRbacOptions(
    new Command('rbac')
      .description(
        'print the least-privilege RBAC (ServiceAccount, ClusterRole or Roles, bindings) the operators in <entry> need',
      )
      .argument('<entry>', 'compiled module that defines or registers the operators')
      .option(
        '-n, --namespace <namespace>',
        'namespace of the ServiceAccount (where the operator runs)',
        'default',
      ),
  )
    .option(
      '--check',
      "check the current kubeconfig's credentials instead: list every permission they lack (exit 1 if any)",
    )
    .option('--explain', 'print each resource, its verbs and why Operon needs them, instead of YAML')
    .addHelpText('after', ENTRY_HELP)
    .action(async (entry: string, flags: RbacFlags) => {
      const loaded = await loadEntry(entry);
      const watch = namespaces(flags.watchNamespace);
      checkLabel('--namespace', flags.namespace);
      if (flags.check) {
        process.exitCode = await runRbacCheck(loaded.declarations, {
          namespaces: watch,
          ownNamespace: flags.namespace,
          leaderElection: flags.leaderElection,
          sharding: flags.sharding,
        });
        return;
      }
      if (flags.explain) {
        const lease = { leaderElection: flags.leaderElection, sharding: flags.sharding };
        for (const p of requiredPermissions(loaded.declarations, lease)) {
          const group = p.group || 'core';
          process.stdout.write(`${p.resource} (${group}, ${p.scope}): ${p.verbs.join(', ')}\n`);
          for (const why of p.why) process.stdout.write(`    ${why}\n`);
        }
        return;
      }
      const objects = generateRbac(loaded.declarations, {
        name: appName(loaded, flags.name),
        namespace: flags.namespace,
        watchNamespaces: watch,
        leaderElection: flags.leaderElection,
        sharding: flags.sharding,
      });
      report(writeObjects(objects, flags.out));
    });
}

/** `operon manifests <entry> --image X --namespace Y`: everything to deploy the operators. */
export function manifestsCommand(): Command {
  return withRbacOptions(
    addManifestWebhookFlags(new Command('manifests'))
      .description(
        'print everything to deploy the operators in <entry>: CRDs, ServiceAccount, RBAC and a Deployment running `operon run <entry>`',
      )
      .argument('<entry>', 'compiled module that defines or registers the operators')
      .requiredOption('-i, --image <image>', 'container image holding the application')
      .requiredOption('-n, --namespace <namespace>', 'namespace the operator runs in'),
  )
    .option('--create-namespace', 'also emit the Namespace object')
    .option(
      '--shards <replicas>',
      'run this many replicas with `operon run --shard`, each reconciling its share of the parents (with their Lease permissions)',
      shardCount,
    )
    .option(
      '--entry-in-image <path>',
      'path of <entry> inside the image, relative to its working directory (default: <entry> relative to the current directory)',
    )
    .addHelpText(
      'after',
      `${ENTRY_HELP}

The Deployment runs \`${operonRunCommand('<entry>').join(' ')}\` from the image's working
directory, which must be the application's root, as a numeric non-root user (e.g. \`USER 1000\`, "node" in the official Node images: the kubelet can only verify runAsNonRoot for a numeric user).`,
    )
    .action(async (entry: string, flags: ManifestFlags) => {
      const webhook = usage(() => manifestWebhookOptions(flags));
      const loaded = await loadEntry(entry);
      checkLabel('--namespace', flags.namespace);
      const notes: string[] = [];
      const objects = generateManifests(loaded.declarations, {
        name: appName(loaded, flags.name),
        namespace: flags.namespace,
        image: flags.image,
        entry: flags.entryInImage ?? relative(process.cwd(), loaded.path),
        watchNamespaces: namespaces(flags.watchNamespace),
        leaderElection: flags.leaderElection,
        shards: flags.shards,
        createNamespace: flags.createNamespace,
        notes,
        webhook,
      });
      printNotes(notes);
      report(writeObjects(objects, flags.out));
    });
}

function withRbacOptions(cmd: Command): Command {
  return cmd
    .option(
      '--name <name>',
      'name of the ServiceAccount, roles and Deployment (default: the operator name, or the entry file name)',
    )
    .option(
      '-w, --watch-namespace <namespaces...>',
      'namespaces the operator watches: grant Roles there instead of a ClusterRole (repeat, or separate with commas)',
    )
    .addOption(
      new Option('--leader-election', 'also grant the Lease permissions of leader election').default(false),
    )
    .addOption(
      new Option('--sharding', 'also grant the Lease permissions of sharding (`operon run --shard`)').default(
        false,
      ),
    )
    .option('-o, --out <dir>', 'write YAML files into this folder instead of printing');
}

/** `--shards 3`: a replica count of at least 1. */
function shardCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number of replicas, 1 or more.');
  return n;
}

function appName(loaded: LoadedEntry, name: string | undefined): string {
  if (name !== undefined) {
    checkLabel('--name', name);
    return name;
  }
  if (loaded.declarations.length === 1) return (loaded.declarations[0] as { name: string }).name;
  const fromFile = suggestDnsLabel(basename(loaded.path, extname(loaded.path)));
  return fromFile && isDnsLabel(fromFile) ? fromFile : 'operon';
}

function namespaces(values: string[] | undefined): string[] | undefined {
  const list = (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const ns of list) checkLabel('--watch-namespace', ns);
  return list.length ? list : undefined;
}

function checkLabel(flag: string, value: string): void {
  if (!isDnsLabel(value)) {
    throw new UsageError(
      `${flag} "${value}" is not a valid name: use lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit.`,
    );
  }
}

/** Runs `parse`, turning what it throws into a usage error. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function report(files: readonly string[]): void {
  for (const f of files) process.stderr.write(`wrote ${f}\n`);
}
