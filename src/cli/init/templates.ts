// The files `operon init` writes. They are TypeScript string functions (not files on disk) so that
// they compile into dist/src and ship with the package.

import { OPERATOR_NODE_FLAGS, operonRunCommand } from '../../generate/deployment.js';

/** The names a scaffold is built from (see `deriveNames`). */
export interface ScaffoldNames {
  /** The npm package name, as given (may be scoped). */
  packageName: string;
  /** A DNS-1123 label: the operator's name, the image name, the namespace of `npm run manifests`. */
  operatorName: string;
  /** The parent's kind, PascalCase; classes are named after it. */
  kind: string;
  group: string;
  version: string;
  /** The parent's plural (what `kubectl get` takes). */
  plural: string;
}

/** The versions the scaffold's package.json pins (Operon's own, read at run time). */
export interface ScaffoldVersions {
  /** Operon's own version, as in its package.json; the scaffold depends on `^version`. */
  operon: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  /** Operon's `engines.node`. */
  node?: string;
}

/** One generated file: a path relative to the project folder and its text. */
export interface ScaffoldFile {
  path: string;
  content: string;
}

/** Every file of a new project, in a stable order. */
export function scaffoldFiles(n: ScaffoldNames, v: ScaffoldVersions): ScaffoldFile[] {
  return [
    { path: 'package.json', content: packageJson(n, v) },
    { path: 'tsconfig.json', content: tsconfigJson() },
    { path: 'src/operator.ts', content: operatorTs(n) },
    { path: 'src/main.ts', content: mainTs(n) },
    { path: 'test/operator.test.ts', content: unitTestTs(n) },
    { path: 'test/operator.integration.test.ts', content: integrationTestTs(n) },
    { path: 'Dockerfile', content: dockerfile() },
    { path: '.gitignore', content: gitignore() },
    { path: '.dockerignore', content: dockerignore() },
    { path: 'README.md', content: readme(n) },
  ];
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function packageJson(n: ScaffoldNames, v: ScaffoldVersions): string {
  return json({
    name: n.packageName,
    version: '0.1.0',
    description: `A Kubernetes operator for ${n.kind} resources, built with Operon.`,
    private: true,
    type: 'module',
    ...(v.node ? { engines: { node: v.node } } : {}),
    scripts: {
      build: 'tsc -p tsconfig.json',
      // The shell expands the glob (Node 20's test runner does not); both test files run.
      test: 'npm run build --silent && node --test --test-reporter=spec dist/test/*.test.js',
      // The node flags of the generated Deployment, so a local run uses memory as it will deployed.
      start: ['node', ...OPERATOR_NODE_FLAGS, 'dist/src/main.js'].join(' '),
      crd: 'operon crd dist/src/operator.js',
      manifests: `operon manifests dist/src/operator.js --image ${n.operatorName}:dev --namespace ${n.operatorName} --create-namespace --out deploy/`,
    },
    dependencies: { operon: `^${v.operon}`, ...v.dependencies },
    devDependencies: v.devDependencies,
  });
}

/** The compiler options an Operon project needs, and no more. */
export const TSCONFIG_COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  rootDir: '.',
  outDir: 'dist',
  strict: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  sourceMap: true,
  skipLibCheck: true,
  types: ['node'],
} as const;

function tsconfigJson(): string {
  return json({ compilerOptions: TSCONFIG_COMPILER_OPTIONS, include: ['src', 'test'] });
}

function operatorTs(n: ScaffoldNames): string {
  const k = n.kind;
  return `// The ${k} operator: a ${k} resource says whom to greet, and the operator keeps a ConfigMap
// holding the greeting. This module only declares things; it never starts anything on import, so
// \`operon crd dist/src/operator.js\` and the tests can load it. src/main.ts runs it.
import 'reflect-metadata';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { Child, type ChildRef, customResource, Operator, Sync, type SyncRequest, type SyncResponse } from 'operon';
import { ConfigMap } from 'operon/types';

/** What a user writes in a ${k}: validated before sync ever sees it; it also becomes the CRD schema. */
export class ${k}Spec {
  /** Whom to greet. */
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  to!: string;

  /** The greeting; defaults come from initialisers. */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  greeting: string = 'Hello';
}

/** What the operator reports back (Operon adds observedGeneration and the Synced condition). */
export class ${k}Status {
  /** The message written into the ConfigMap. */
  @IsOptional()
  @IsString()
  message?: string;

  /** The ConfigMap holding it, once it exists. */
  @IsOptional()
  @IsString()
  configMap?: string;
}

/** The custom resource: \`kubectl get ${n.plural}\`. */
export const ${k}Resource = customResource<${k}Spec, ${k}Status>({
  group: '${n.group}',
  version: '${n.version}',
  kind: '${k}',
  spec: ${k}Spec,
  status: ${k}Status,
  printerColumns: [
    { name: 'Message', type: 'string', jsonPath: '.status.message' },
    { name: 'Synced', type: 'string', jsonPath: '.status.conditions[?(@.type=="Synced")].status' },
  ],
});

@Operator({ parent: ${k}Resource, name: '${n.operatorName}' })
export class ${k}Operator {
  /** ConfigMaps this operator owns; 'apply' (server-side apply) is the default update strategy. */
  @Child(ConfigMap) configMap!: ChildRef<V1ConfigMap>;

  /**
   * Given the parent and its current children (from Operon's caches), returns every child that
   * should exist and the parent's status. Operon creates, updates and deletes the children.
   */
  @Sync()
  sync(req: SyncRequest<${k}Spec>): SyncResponse<${k}Status> {
    const { metadata, spec } = req.parent;
    const message = \`\${spec.greeting}, \${spec.to}!\`;
    return {
      children: [
        this.configMap.desired({
          metadata: { name: metadata.name },
          data: { message },
        }),
      ],
      status: { message, configMap: req.child(this.configMap, metadata.name)?.metadata?.name },
    };
  }
}
`;
}

function mainTs(n: ScaffoldNames): string {
  const k = n.kind;
  return `// Runs the operator as a long-lived process: \`npm start\` (after \`npm run build\`).
// Credentials: in a Pod its ServiceAccount, otherwise KUBECONFIG, then ~/.kube/config.
//   WATCH_NAMESPACE   namespaces to watch, comma-separated (default: all)
//   LOG_LEVEL         pino log level (default info)
// The container image runs \`operon run dist/src/operator.js\` instead (as \`npm run manifests\`
// generates it), which adds command-line flags for probes, metrics and leader election.
import 'reflect-metadata';
import { Container } from 'inversify';
import { runOperators } from 'operon';
import { ${k}Operator } from './operator.js';

const container = new Container();
container.bind(${k}Operator).toSelf();

const namespaces = process.env.WATCH_NAMESPACE?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);

// Probes on :8081 (/healthz, /readyz); /metrics over HTTPS on :8443. SIGTERM/SIGINT stop it gracefully.
await runOperators(container, {
  component: '${n.operatorName}',
  namespaces: namespaces?.length ? namespaces : undefined,
});
`;
}

function unitTestTs(n: ScaffoldNames): string {
  const k = n.kind;
  return `// Unit tests of the sync logic: no cluster, milliseconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { OperonError } from 'operon';
import { runSync } from 'operon/testkit';
import { ${k}Operator } from '../src/operator.js';

const parent = (spec: object) => ({ metadata: { name: 'hello', namespace: 'default' }, spec });

describe('${k}Operator.sync', () => {
  it('wants one ConfigMap holding the greeting', async () => {
    const res = await runSync(new ${k}Operator(), { parent: parent({ to: 'Operon', greeting: 'Hi' }) });
    assert.equal(res.children.length, 1);
    const cm = res.children[0] as V1ConfigMap;
    assert.equal(cm.kind, 'ConfigMap');
    assert.equal(cm.metadata?.name, 'hello');
    assert.deepEqual(cm.data, { message: 'Hi, Operon!' });
  });

  it('applies the spec defaults and reports the ConfigMap once it exists', async () => {
    const res = await runSync(new ${k}Operator(), {
      parent: parent({ to: 'world' }),
      children: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hello' } }],
    });
    assert.deepEqual(res.status, { message: 'Hello, world!', configMap: 'hello' });
  });

  it('rejects an invalid spec before sync runs', async () => {
    await assert.rejects(
      runSync(new ${k}Operator(), { parent: parent({ to: '' }) }),
      (e) => OperonError.hasCode(e, 'SPEC_INVALID') && /spec\\.to/.test(e.message),
    );
  });
});
`;
}

function integrationTestTs(n: ScaffoldNames): string {
  const k = n.kind;
  return `// The operator against a real API server: the cluster in OPERON_KUBECONFIG or KUBECONFIG, or else
// a local control plane that Operon starts (built from Go modules on first use: that first run
// takes minutes and needs Go; later starts take seconds).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { type OperonApp, runOperators } from 'operon';
import { type ControlPlane, installOperatorCrds, startControlPlane } from 'operon/testkit';
import { ${k}Operator, ${k}Resource } from '../src/operator.js';

const R = ${k}Resource;

/** Polls \`check\` until it returns something other than undefined, or fails after \`timeoutMs\`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(\`timed out waiting for \${what}: \${String(last ?? '')}\`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('${k}Operator on a cluster', { timeout: 20 * 60_000 }, () => {
  let cp: ControlPlane | undefined;
  let app: OperonApp | undefined;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  const namespace = \`test-\${randomBytes(4).toString('hex')}\`;

  before(async () => {
    cp = await startControlPlane({ log: (line) => process.stderr.write(\`\${line}\\n\`) });
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await installOperatorCrds(cp.kubeConfig, [${k}Operator]);
    const container = new Container();
    container.bind(${k}Operator).toSelf();
    // embedded: no probe or metrics server, no signal handler; app.stop() ends it.
    app = await runOperators(container, { embedded: true, kubeConfig: cp.kubeConfig, namespaces: [namespace] });
  });

  after(async () => {
    await app?.stop();
    await core?.deleteNamespace({ name: namespace }).catch(() => {});
    await cp?.stop();
  });

  it('writes the greeting into a ConfigMap and reports Synced=True', async () => {
    await custom.createNamespacedCustomObject({
      group: R.group,
      version: R.version,
      namespace,
      plural: R.plural,
      body: { apiVersion: R.apiVersion, kind: R.kind, metadata: { name: 'hello' }, spec: { to: 'Operon' } },
    });
    const cm = await eventually('the ConfigMap', async () => {
      const found = await core.readNamespacedConfigMap({ name: 'hello', namespace });
      return found.data?.message === 'Hello, Operon!' ? found : undefined;
    });
    assert.equal(cm.metadata?.ownerReferences?.[0]?.kind, R.kind);
    await eventually('Synced=True', async () => {
      const live = await custom.getNamespacedCustomObject({
        group: R.group,
        version: R.version,
        namespace,
        plural: R.plural,
        name: 'hello',
      });
      const conditions: { type: string; status: string }[] = live.status?.conditions ?? [];
      return conditions.some((c) => c.type === 'Synced' && c.status === 'True') ? live : undefined;
    });
  });
});
`;
}

function dockerfile(): string {
  return `# docker build -t <image> .   (run \`npm install\` once first: npm ci needs package-lock.json)
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The generated Deployment sets runAsNonRoot, which needs a numeric user: 1000 is "node".
USER 1000
# What the Deployment of \`npm run manifests\` runs too.
CMD [${operonRunCommand('dist/src/operator.js')
    .map((arg) => JSON.stringify(arg))
    .join(', ')}]
`;
}

function gitignore(): string {
  return ['node_modules/', 'dist/', '*.tgz', '*.log', ''].join('\n');
}

function dockerignore(): string {
  return ['node_modules', 'dist', 'deploy', '.git', '*.tgz', '*.log', ''].join('\n');
}

function readme(n: ScaffoldNames): string {
  const k = n.kind;
  return `# ${n.packageName}

A Kubernetes operator built with [Operon](https://www.npmjs.com/package/operon). A \`${k}\`
(\`${n.group}/${n.version}\`) names whom to greet; the operator keeps a ConfigMap of the same name
holding the greeting, and reports it in the ${k}'s status.

| file | what it is |
|---|---|
| \`src/operator.ts\` | the spec and status classes, the custom resource and the operator (\`@Sync\`) |
| \`src/main.ts\` | runs the operator as a process (\`npm start\`) |
| \`test/operator.test.ts\` | unit tests of \`sync\` with \`runSync\`: no cluster |
| \`test/operator.integration.test.ts\` | the operator against a real API server |
| \`Dockerfile\` | the image \`npm run manifests\` deploys |

## Build and test

\`\`\`sh
npm install
npm test        # builds, then runs the unit and the integration tests
\`\`\`

The integration test uses the cluster in \`OPERON_KUBECONFIG\` or \`KUBECONFIG\` when one is set (kind,
k3d, a real one); it creates a namespace of its own and removes it afterwards. Otherwise it starts a
local control plane: the first time, Operon compiles it from Go modules (Go ≥ 1.26 needed; about ten
minutes on 2 cores; cached in \`~/.cache/operon\`), later starts take seconds. To keep one running
between test runs: \`npx operon cluster up\`, then \`export KUBECONFIG=<the path it prints>\`.

## Run it against a cluster

\`\`\`sh
npm run build
npx operon crd dist/src/operator.js | kubectl apply -f -   # install the CRD
npm start                                                  # runs until Ctrl-C (uses KUBECONFIG)
\`\`\`

In another terminal:

\`\`\`sh
kubectl apply -f - <<'EOF'
apiVersion: ${n.group}/${n.version}
kind: ${k}
metadata:
  name: hello
spec:
  to: world
EOF
kubectl get ${n.plural}
kubectl get configmap hello -o jsonpath='{.data.message}'   # Hello, world!
\`\`\`

## Deploy it

\`\`\`sh
npm run build
npm run manifests        # CRD, ServiceAccount, least-privilege RBAC and a Deployment, in deploy/
docker build -t ${n.operatorName}:dev .
kubectl apply -f deploy/
\`\`\`

Load the image into your cluster (\`kind load docker-image ${n.operatorName}:dev\`) or push it to a
registry and change \`--image\` in the \`manifests\` script. \`npx operon manifests --help\` lists the
options (watched namespaces, leader election).
`;
}
