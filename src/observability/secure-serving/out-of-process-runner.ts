// The child process of `callOutOfProcess`: one call, its result on standard output (a base64
// structured clone), its error as the last line of standard error. Not a module to import.
import { deserialize, serialize } from 'node:v8';
import { callInProcess, type OutOfProcessCall } from './out-of-process.js';

try {
  const call = deserialize(Buffer.from(process.argv[2] ?? '', 'base64')) as OutOfProcessCall;
  const result = await callInProcess(call);
  process.stdout.write(serialize(result).toString('base64'));
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
