import { AsyncLocalStorage } from 'node:async_hooks';
import { OperonError } from '../../errors/operon-error.js';

/** One import of an entry module by the `operon` command. */
interface EntryLoad {
  /** The entry as the user named it on the command line. */
  readonly entry: string;
  /** Called (once per attempt) when code run by the entry tries to start operators. */
  readonly onStart: (what: string, error: OperonError) => void;
}

// Shared by every copy of Operon in the process (a CLI from one install, an entry importing
// another), like OperonError's brand: a module-level variable would be one per copy.
const KEY = Symbol.for('operon.entryLoad');
const shared = globalThis as Record<symbol, AsyncLocalStorage<EntryLoad> | undefined>;
shared[KEY] ??= new AsyncLocalStorage<EntryLoad>();
const store: AsyncLocalStorage<EntryLoad> = shared[KEY];

/**
 * The message for an entry module that starts operators when it is imported.
 *
 * @param what - what the entry called, e.g. `Operon.run`.
 */
export function entryStartsOperatorsMessage(entry: string, what: string): string {
  return `${entry} starts operators when it is imported (${what} at top level). Move that call into a separate main module (see the README, "An operator": one module declares the operators, another runs them) and point operon at the module that only defines the operators.`;
}

/**
 * Runs `load` (the import of an entry module, and whatever reads its exports) so that any attempt
 * of code it runs to start operators is refused: {@link refuseStartWhileLoadingEntry} throws there,
 * and `onStart` is told.
 *
 * @remarks
 * The refusal follows the entry's asynchronous context, not a time window: a start the entry defers
 * (`main().catch(…)` after an `await`, a timer) is refused too, whenever it happens, while the
 * command's own host (`operon run`), started outside that context, is not.
 */
export function whileLoadingEntry<T>(
  entry: string,
  onStart: EntryLoad['onStart'],
  load: () => Promise<T>,
): Promise<T> {
  return store.run({ entry, onStart }, load);
}

/**
 * Throws when called from code an entry module runs while `operon crd|rbac|manifests|run` imports it:
 * such a module would start a second set of operators (or hang the generating command).
 *
 * @param what - the call being refused, for the message (`Operon.run`, `runOperators`, `OperonHost.start`).
 * @throws OperonError (`NOT_STARTED`) saying to move the call into a separate main module.
 */
export function refuseStartWhileLoadingEntry(what: string): void {
  const load = store.getStore();
  if (!load) return;
  const error = new OperonError('NOT_STARTED', entryStartsOperatorsMessage(load.entry, what));
  load.onStart(what, error);
  throw error;
}
