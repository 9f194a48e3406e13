import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { OperonError } from '../errors/operon-error.js';

/** One control-plane process with its log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<string>;
}

/** Starts a process whose stdout and stderr go to `logFile`. `detached` survives the parent. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  detached = false,
): ManagedProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], detached });
  closeSync(fd);
  if (detached) child.unref();
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (err) => resolve(`spawn error: ${err.message}`));
  });
  return { name, child, logFile, exited };
}

/** The last lines of a log file, for error messages. */
export function logTail(logFile: string, lines = 25): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits until `probe` succeeds, failing early with the log tail if the process exits first. */
export async function waitReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  let died: string | undefined;
  void proc.exited.then((how) => {
    died = how;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (died) {
      throw new OperonError(
        'CONTROL_PLANE',
        `${proc.name} exited during start-up (${died}). Last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
      );
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new OperonError(
    'CONTROL_PLANE',
    `${proc.name} was not ready within ${timeoutMs / 1000} s. Last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
  );
}

/** Stops processes in order: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcesses(procs: readonly ManagedProcess[], graceMs = 10_000): Promise<void> {
  for (const p of procs) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
    p.child.kill('SIGTERM');
    const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
    await p.exited;
    clearTimeout(timer);
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
