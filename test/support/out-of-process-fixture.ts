// Functions for test/unit/observability/out-of-process.test.ts to call in a child process.

/** Where it ran, and what it made of its argument. */
export async function describeCall(
  when: Date,
  label: string,
): Promise<{ pid: number; year: number; label: string }> {
  return { pid: process.pid, year: when.getUTCFullYear(), label };
}

/** Throws as a function given bad input would. */
export async function refuse(what: string): Promise<never> {
  throw new Error(`${what} is not a PKCS#8 key`);
}
