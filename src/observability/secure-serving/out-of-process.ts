import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';

/** The script a child process runs: see `out-of-process-runner.ts`. */
const RUNNER = fileURLToPath(new URL('./out-of-process-runner.js', import.meta.url));

/** A call takes milliseconds (a key pair and a signature); this only bounds a hung child. */
const CALL_TIMEOUT_MS = 30_000;

/** What the runner is asked to do, structured-cloned through its command line. */
export interface OutOfProcessCall {
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly args: readonly unknown[];
}

/**
 * Calls the async function `exportName` of the module at `moduleUrl` with `args` in a short-lived
 * Node process of its own, and returns what it resolves to. Arguments and result are structured
 * clones (plain objects, strings, `Date`s, `Buffer`s as `Uint8Array`s).
 *
 * @remarks
 * For a one-off job whose library would otherwise stay in the operator's memory for good: an ES
 * module cannot be unloaded, and `@peculiar/x509` with its dependencies holds some 11 MiB of RSS
 * after issuing one certificate, which a long-running operator would keep for nothing. A worker
 * thread does not give it back either (its heap goes, most of the allocator's pages stay); a child
 * process does. It costs one Node start-up (about 0.1 s, while the rest of the start goes on).
 *
 * Where no separate Node can be started (a single executable application, whose binary would run
 * the application again; a spawn refused by the OS), the call runs in this process instead.
 *
 * @throws Error with the function's own message when it throws; one saying so when the child
 *   process fails otherwise or gives no answer within 30 s.
 * @internal
 */
export async function callOutOfProcess<T>(call: OutOfProcessCall): Promise<T> {
  if (isSingleExecutable()) return callInProcess<T>(call);
  const payload = serialize(call).toString('base64');
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [RUNNER, payload],
        // The same environment, NODE_OPTIONS included: an OpenSSL configuration (FIPS) must hold there too.
        { encoding: 'utf8', timeout: CALL_TIMEOUT_MS },
        (error, out, err) => (error ? reject(Object.assign(error, { stderr: err })) : resolve(out)),
      );
    });
    return deserialize(Buffer.from(stdout, 'base64')) as T;
  } catch (e) {
    if (isSpawnRefused(e)) return callInProcess<T>(call);
    // The function's own message, as an in-process call would throw it; the child's failure is the cause.
    throw new Error(childMessage(e), { cause: e });
  }
}

/** The same call in this process: what the runner does, without the process. */
export async function callInProcess<T>(call: OutOfProcessCall): Promise<T> {
  const mod = (await import(call.moduleUrl)) as Record<string, unknown>;
  const fn = mod[call.exportName];
  if (typeof fn !== 'function') throw new Error(`${call.moduleUrl} exports no function ${call.exportName}`);
  return (await (fn as (...args: readonly unknown[]) => Promise<T>)(...call.args)) as T;
}

function isSingleExecutable(): boolean {
  // node:sea exists from Node 20.12; older Nodes cannot build one.
  const sea = process.getBuiltinModule?.('node:sea') as { isSea(): boolean } | undefined;
  return sea?.isSea() ?? false;
}

function isSpawnRefused(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EAGAIN';
}

// The runner prints the thrown error's message as its last line of standard error.
function childMessage(e: unknown): string {
  const err = e as { stderr?: string; killed?: boolean; signal?: string; message?: string };
  if (err.killed) return `its child process gave no answer within ${CALL_TIMEOUT_MS / 1000} s`;
  const last = err.stderr?.trim().split('\n').pop();
  return last || `its child process failed: ${err.message ?? String(e)}`;
}
