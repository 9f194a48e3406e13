import type { OperatorConfig } from '../../config/operator-config.js';
import { OperonError } from '../../errors/operon-error.js';
import type { KubeObject } from '../../types/kube-object.js';
import { describeType, resourceTypeId } from '../../types/resource-type.js';
import { ApiError } from '../api/api-error.js';
import type { SharedInformer } from '../informers/index.js';
import type { OperonHost } from './operon-host.js';

/** How long `Operon.run` waits for every cache to sync before it fails (as the Nest module). */
export const DEFAULT_START_TIMEOUT_MS = 60_000;

/** How long a start keeps trying to reach the API server before it fails (bounded by the start timeout). */
export const REACH_TIMEOUT_MS = 5_000;

/** Options of {@link startWithin}. */
export interface StartWithinOptions {
  /** 0 waits for ever (and does not check that the API server is reachable). */
  timeoutMs: number;
  /** The host's operators, to say which of them needs each cache that did not sync. */
  configs: readonly OperatorConfig<unknown>[];
  /** How to pass more time, for the message (e.g. `Operon.run(container, { startTimeoutMs })`). */
  option: string;
}

/**
 * Starts `host` and waits until every cache has synced, failing instead of waiting for ever: at
 * once (within {@link REACH_TIMEOUT_MS}) when the API server cannot be reached at all, naming it;
 * after `timeoutMs` when some caches still have not synced, naming each and its last error.
 *
 * @remarks
 * The caller stops the host when this throws. The reachability check is one `GET /version`, retried
 * for a few seconds: any HTTP answer, even 401 or 403, counts as reachable (the caches' own errors
 * then say what is wrong); only a transport failure (refused, DNS, TLS, no answer) fails the start.
 *
 * @throws OperonError (`NOT_STARTED`) when the API server is unreachable, or on the timeout.
 */
export async function startWithin(host: OperonHost, options: StartWithinOptions): Promise<void> {
  const starting = host.start();
  if (options.timeoutMs <= 0) return starting;
  // Once this throws, the caller stops the host, which makes the pending start() reject.
  starting.catch(() => undefined);
  const done = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new OperonError(
            'NOT_STARTED',
            timeoutMessage(
              host,
              options,
              host.sharedInformers().filter((i) => !i.hasSynced()),
            ),
          ),
        ),
      options.timeoutMs,
    );
  });
  timedOut.catch(() => undefined);
  const unreachable = failWhenUnreachable(host, Math.min(REACH_TIMEOUT_MS, options.timeoutMs), done.signal);
  unreachable.catch(() => undefined);
  try {
    await Promise.race([starting, timedOut, unreachable]);
  } finally {
    clearTimeout(timer);
    done.abort();
  }
}

// Never resolves; rejects when the server gave no HTTP answer at all for `withinMs`.
async function failWhenUnreachable(host: OperonHost, withinMs: number, done: AbortSignal): Promise<never> {
  const deadline = Date.now() + withinMs;
  let delay = 250;
  for (;;) {
    const left = deadline - Date.now();
    try {
      await host.api.request({ method: 'GET', path: '/version', timeoutMs: Math.max(left, 1), signal: done });
      return new Promise<never>(() => undefined); // reachable: the caches say the rest
    } catch (e) {
      if (done.aborted) return new Promise<never>(() => undefined);
      if (!(e instanceof ApiError) || e.status !== 0) return new Promise<never>(() => undefined);
      if (Date.now() + delay >= deadline) throw unreachableError(host, e);
    }
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
    delay = Math.min(delay * 2, 2_000);
  }
}

function unreachableError(host: OperonHost, e: ApiError): OperonError {
  const server = host.api.serverUrl.replace(/\/$/, '');
  const why = e.cause instanceof Error ? e.cause.message : e.message;
  const context = host.api.kubeConfig.getCurrentContext();
  return new OperonError(
    'NOT_STARTED',
    `Cannot reach the Kubernetes API server at ${server}${context ? ` (kubeconfig context "${context}")` : ''}: ${why}. Is the cluster running, and does the kubeconfig point at it? Check with \`kubectl cluster-info\`; to use Operon's local cluster instead: \`npx operon cluster up\`, then \`export KUBECONFIG=$(npx operon cluster status)\`.`,
    { cause: e },
  );
}

function timeoutMessage(
  host: OperonHost,
  options: StartWithinOptions,
  waiting: readonly SharedInformer<KubeObject>[],
): string {
  const server = host.api.serverUrl.replace(/\/$/, '');
  const lines = waiting.map((informer) => {
    const { type, scope } = informer;
    const what = `${describeType(type)}${scope.namespace ? ` in namespace ${scope.namespace}` : ''}`;
    const id = resourceTypeId(type);
    const users = options.configs
      .filter((c) => [c.parent.type, ...c.children.map((x) => x.type)].some((t) => resourceTypeId(t) === id))
      .map((c) => c.name);
    const lastError = informer.health().lastError;
    const hint =
      ApiError.isNotFound(lastError) && type.group
        ? ` Is its CustomResourceDefinition installed? Check with \`kubectl get crd ${type.plural}.${type.group}\`.`
        : '';
    return `${what}, needed by ${users.join(', ') || 'the host'}: ${lastError ? `last answer: ${lastError.message.trim()}` : 'no answer from the API server yet'}.${hint}`;
  });
  const count = waiting.length === 1 ? 'a cache has' : `${waiting.length} caches have`;
  return `Operon did not start within ${options.timeoutMs} ms (API server ${server}): ${count} not synced, so no operator has reconciled anything yet:\n${lines.map((l) => `  - ${l}`).join('\n')}\nFix the cause above, or give the operators more time with ${options.option} (0 waits for ever).`;
}
