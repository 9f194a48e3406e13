// Heap probe of the operators benchmark (bench/operators.ts), loaded into the Node systems with
// NODE_OPTIONS="--expose-gc --import <this file>" and into nothing else. On SIGUSR2 it runs two full
// garbage collections and writes process.memoryUsage() as JSON to $BENCH_HEAP_FILE, so the driver
// reads the heap that is live, not whatever garbage the last collection happened to leave.
// --expose-gc only makes gc() callable; V8 collects as it would without it.
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.BENCH_HEAP_FILE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  process.on('SIGUSR2', () => {
    // Twice: objects kept only by weak references or finalizers are freed by the second one.
    gc();
    gc();
    // Write then rename, so that the driver never reads half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
    renameSync(`${file}.tmp`, file);
  });
}
