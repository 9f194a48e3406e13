// The Nest example app, compiled on its own (examples/nest-app/tsconfig.json, before these tests).
// Its output is outside this package, so it is loaded by URL; the types come from its .d.ts files.
import { fileURLToPath } from 'node:url';

const root = new URL('../../../../examples/nest-app/', import.meta.url);

/** examples/nest-app/, for files such as crds.yaml. */
export const exampleDir = fileURLToPath(root);

const load = (path: string): Promise<unknown> => import(new URL(`dist/${path}`, root).href);

export const { AppModule } = (await load(
  'app.module.js',
)) as typeof import('../../../examples/nest-app/dist/app.module.js');
export const { AppConfig, AppConfigModule } = (await load(
  'config/app-config.js',
)) as typeof import('../../../examples/nest-app/dist/config/app-config.js');
export const { GreetingOperator } = (await load(
  'greetings/greeting.operator.js',
)) as typeof import('../../../examples/nest-app/dist/greetings/greeting.operator.js');
export const { GreetingService } = (await load(
  'greetings/greeting.service.js',
)) as typeof import('../../../examples/nest-app/dist/greetings/greeting.service.js');
export const { PageOperator } = (await load(
  'pages/page.operator.js',
)) as typeof import('../../../examples/nest-app/dist/pages/page.operator.js');
export const { OperonStatus } = (await load(
  'status/operon-status.service.js',
)) as typeof import('../../../examples/nest-app/dist/status/operon-status.service.js');
