// `operon init`: the files it writes, the versions it pins, the names it accepts and derives, and
// the folders it refuses.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../../src/cli/cli-errors.js';
import {
  deriveNames,
  operonPackageJsonPath,
  packageNameProblems,
  SCAFFOLD_DEPENDENCIES,
  SCAFFOLD_DEV_DEPENDENCIES,
  scaffold,
} from '../../../src/cli/init-command.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const bin = join(root, 'bin', 'operon.js');
const work = mkdtempSync(join(tmpdir(), 'operon-init-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
const readJson = <T>(dir: string, path: string) => JSON.parse(read(dir, path)) as T;
/** The version of a package installed for Operon itself: what Operon is built and tested with. */
const installed = (name: string) =>
  readJson<{ version: string }>(join(root, 'node_modules', name), 'package.json').version;

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

interface ScaffoldPackageJson {
  name: string;
  private: boolean;
  type: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

describe('operon init: the project it writes', () => {
  const { dir } = scaffold({ name: 'demo-op', dir: join(work, 'demo-op') });
  const pkg = readJson<ScaffoldPackageJson>(dir, 'package.json');

  it('writes exactly the project files', () => {
    assert.deepEqual(files(dir).sort(), [
      '.dockerignore',
      '.gitignore',
      'Dockerfile',
      'README.md',
      'package.json',
      'src/main.ts',
      'src/operator.ts',
      'test/operator.integration.test.ts',
      'test/operator.test.ts',
      'tsconfig.json',
    ]);
  });

  it('package.json: a private ES module with build, test, start and manifests scripts', () => {
    assert.equal(pkg.name, 'demo-op');
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.private, true);
    assert.equal(pkg.scripts.build, 'tsc -p tsconfig.json');
    assert.match(
      pkg.scripts.test ?? '',
      /^npm run build --silent && node --test .*dist\/test\/\*\.test\.js$/,
    );
    assert.equal(pkg.scripts.start, 'node --max-semi-space-size=2 dist/src/main.js');
    assert.match(
      pkg.scripts.manifests ?? '',
      /^operon manifests dist\/src\/operator\.js --image demo-op:dev /,
    );
    assert.match(pkg.scripts.manifests ?? '', / --namespace demo-op .*--out deploy\/$/);
  });

  it('depends on this Operon (^version) and on the versions Operon itself is built with', () => {
    const operon = JSON.parse(readFileSync(operonPackageJsonPath(), 'utf8')) as {
      name: string;
      version: string;
    };
    assert.equal(operonPackageJsonPath(), join(root, 'package.json'));
    assert.equal(pkg.dependencies.operon, `^${operon.version}`);
    assert.deepEqual(Object.keys(pkg.dependencies).sort(), ['operon', ...SCAFFOLD_DEPENDENCIES].sort());
    for (const name of SCAFFOLD_DEPENDENCIES) assert.equal(pkg.dependencies[name], installed(name), name);
    assert.deepEqual(Object.keys(pkg.devDependencies).sort(), [...SCAFFOLD_DEV_DEPENDENCIES].sort());
    for (const name of SCAFFOLD_DEV_DEPENDENCIES)
      assert.equal(pkg.devDependencies[name], installed(name), name);
  });

  it('tsconfig.json: NodeNext, ES2022, strict, legacy decorators with metadata, src and test into dist', () => {
    const ts = readJson<{ compilerOptions: Record<string, unknown>; include: string[] }>(
      dir,
      'tsconfig.json',
    );
    assert.deepEqual(
      {
        module: ts.compilerOptions.module,
        moduleResolution: ts.compilerOptions.moduleResolution,
        target: ts.compilerOptions.target,
        strict: ts.compilerOptions.strict,
        experimentalDecorators: ts.compilerOptions.experimentalDecorators,
        emitDecoratorMetadata: ts.compilerOptions.emitDecoratorMetadata,
        outDir: ts.compilerOptions.outDir,
        rootDir: ts.compilerOptions.rootDir,
      },
      {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        outDir: 'dist',
        rootDir: '.',
      },
    );
    assert.deepEqual(ts.include, ['src', 'test']);
  });

  it('src/operator.ts declares the operator and starts nothing; src/main.ts runs it', () => {
    const operator = read(dir, 'src/operator.ts');
    for (const part of [
      'export class DemoOpSpec',
      'export class DemoOpStatus',
      "kind: 'DemoOp'",
      "group: 'example.com'",
      "@Operator({ parent: DemoOpResource, name: 'demo-op' })",
      '@Child(ConfigMap) configMap!: ChildRef<V1ConfigMap>;',
      '@Sync()',
      '@IsString()',
    ]) {
      assert.ok(operator.includes(part), part);
    }
    assert.doesNotMatch(operator, /runOperators|Operon\.run/);
    const main = read(dir, 'src/main.ts');
    const imports = main.split('\n').filter((l) => l.startsWith('import '));
    assert.equal(imports[0], "import 'reflect-metadata';");
    assert.match(main, /await runOperators\(container/);
    assert.match(main, /import \{ DemoOpOperator \} from '\.\/operator\.js';/);
  });

  it('tests: runSync in the unit test; the local cluster, CRDs and runOperators (embedded) in the integration test', () => {
    assert.match(read(dir, 'test/operator.test.ts'), /import \{ runSync \} from 'operon\/testkit';/);
    const integration = read(dir, 'test/operator.integration.test.ts');
    for (const part of [
      'startControlPlane(',
      'installOperatorCrds(cp.kubeConfig, [DemoOpOperator])',
      'runOperators(container, { embedded: true',
    ]) {
      assert.ok(integration.includes(part), part);
    }
    assert.match(integration, /c\.type === 'Synced' && c\.status === 'True'/);
  });

  it('Dockerfile, ignore files and README', () => {
    const docker = read(dir, 'Dockerfile');
    assert.match(docker, /^FROM node:20-slim$/m);
    assert.match(docker, /npm ci --omit=dev/);
    assert.match(docker, /COPY --from=build \/app\/dist \.\/dist/);
    assert.match(
      docker,
      /CMD \["node", "--max-semi-space-size=2", "node_modules\/operon\/bin\/operon\.js", "run", "dist\/src\/operator\.js"\]/,
    );
    assert.match(read(dir, '.gitignore'), /^node_modules\/$/m);
    assert.match(read(dir, '.dockerignore'), /^node_modules$/m);
    const readme = read(dir, 'README.md');
    for (const part of [
      'npm test',
      'npm start',
      'npm run manifests',
      'kind: DemoOp',
      'kubectl get demoops',
    ]) {
      assert.ok(readme.includes(part), part);
    }
  });
});

describe('operon init: names', () => {
  it('accepts npm package names and derives the operator name, kind and plural', () => {
    assert.deepEqual(deriveNames('demo-op'), {
      packageName: 'demo-op',
      operatorName: 'demo-op',
      kind: 'DemoOp',
      group: 'example.com',
      version: 'v1alpha1',
      plural: 'demoops',
    });
    const scoped = deriveNames('@acme/my_thing.v2');
    assert.deepEqual(
      [scoped.operatorName, scoped.kind, scoped.plural],
      ['my-thing-v2', 'MyThingV2', 'mythingv2s'],
    );
    const digits = deriveNames('9lives');
    assert.deepEqual([digits.operatorName, digits.kind], ['op-9lives', 'Op9lives']);
    assert.equal(deriveNames('greeter', { kind: 'Greeting' }).plural, 'greetings');
    assert.equal(deriveNames('x', { group: 'acme.io' }).group, 'acme.io');
    assert.equal(deriveNames('a'.repeat(100)).operatorName.length, 50);
  });

  it('refuses what npm refuses, saying why', () => {
    const refused: [string, RegExp][] = [
      ['', /empty/],
      ['Demo', /capital letters/],
      ['.demo', /starts with '\.'/],
      ['_demo', /starts with '\.' or '_'/],
      ['my demo', /URL-safe/],
      ['demo!', /~'!\(\)\*/],
      ['@acme', /@scope\/name/],
      ['a/b', /URL-safe/],
      ['node_modules', /reserved/],
      ['http', /core module/],
      ['x'.repeat(215), /214/],
    ];
    for (const [name, why] of refused) {
      assert.match(packageNameProblems(name).join('; '), why, JSON.stringify(name));
      assert.throws(
        () => deriveNames(name),
        (e) => e instanceof UsageError && /not a valid npm package name/.test(e.message),
      );
    }
    assert.deepEqual(packageNameProblems('@acme/demo-op'), []);
  });

  it('refuses an invalid --kind or --group', () => {
    assert.throws(() => deriveNames('demo', { kind: 'greeting' }), /--kind "greeting" is not a valid kind/);
    assert.throws(() => deriveNames('demo', { kind: 'Greet-ing' }), /--kind/);
    assert.throws(
      () => deriveNames('demo', { group: 'example' }),
      /--group "example" is not a valid API group/,
    );
    assert.throws(() => deriveNames('demo', { group: 'Example.com' }), /--group/);
  });
});

describe('operon init: folders', () => {
  it('defaults to ./<name> without the scope, and accepts an existing empty folder', () => {
    const cwd = join(work, 'cwd');
    mkdirSync(join(cwd, 'greeter'), { recursive: true });
    const { dir } = scaffold({ name: '@acme/greeter', cwd });
    assert.equal(dir, join(cwd, 'greeter'));
    assert.ok(existsSync(join(dir, 'src', 'operator.ts')));
  });

  it('refuses a folder that is not empty, and writes nothing into it', () => {
    const dir = join(work, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    assert.throws(
      () => scaffold({ name: 'demo-op', dir }),
      (e) =>
        e instanceof UsageError &&
        e.message === `${dir} exists and is not empty; choose another name or --dir, or empty it first.`,
    );
    assert.deepEqual(readdirSync(dir), ['notes.txt']);
  });

  it('the command: next steps on success; exit code 2 and a clear message for a taken folder or a bad name', () => {
    const ok = spawnSync(process.execPath, [bin, 'init', 'cli-demo'], { cwd: work, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^ {2}cd cli-demo && npm install && npm test$/m);
    assert.ok(existsSync(join(work, 'cli-demo', 'package.json')));

    const taken = spawnSync(process.execPath, [bin, 'init', 'cli-demo'], { cwd: work, encoding: 'utf8' });
    assert.equal(taken.status, 2);
    assert.match(taken.stderr, /^operon: .*cli-demo exists and is not empty; choose another name or --dir/m);

    const bad = spawnSync(process.execPath, [bin, 'init', 'Bad_Name', '--dir', join(work, 'bad')], {
      cwd: work,
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"Bad_Name" is not a valid npm package name: it has capital letters/);
    assert.equal(existsSync(join(work, 'bad')), false);
  });
});
