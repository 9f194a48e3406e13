// Every message the adapter writes: what happened, why, and what to change. Tests assert through these.

/** Operator classes and module names are quoted the way the core's ConfigError quotes them: bare. */
export const messages = {
  providedTwice: (className: string, modules: readonly string[]): string =>
    `${className}: provided in ${modules.length} modules (${modules.join(', ')}). Nest creates one instance per module, so the operator would run ${modules.length} times. Provide it in one module, and export it from there if other modules inject it.`,

  requestScoped: (className: string): string =>
    `${className}: the operator provider is request-scoped. Operon runs one instance for the whole application, outside any request. Remove scope: Scope.REQUEST from its provider.`,

  transient: (className: string): string =>
    `${className}: the operator provider is transient. Operon runs one instance for the whole application. Remove scope: Scope.TRANSIENT from its provider.`,

  scopedDependency: (className: string): string =>
    `${className}: the operator is request-scoped because something it injects is (Nest makes every provider that depends on a request-scoped one request-scoped too). Operon runs one instance outside any request: inject only singleton providers into operators, or read request data elsewhere.`,

  notAClassProvider: (className: string, module: string): string =>
    `${className}: provided in ${module} through useFactory or useExisting, so Operon could not see that it is an operator before providers were created. List the class itself in providers (providers: [${className}]), or use { provide: TOKEN, useClass: ${className} }.`,

  noOperators: (): string =>
    'OperonModule is imported, but no provider of the application carries @Operator. Add each operator class to the providers of a module (providers: [MyOperator]), or remove OperonModule.forRoot().',

  moduleImportedTwice: (count: number): string =>
    `OperonModule.forRoot() or forRootAsync() is imported ${count} times. An application runs one Operon host, which runs every operator: import OperonModule once, in the root module (it is global).`,

  notBound: (className: string): string =>
    `${className}: its sync ran before the Nest instance was bound to it. This is a bug in @operon/nest; please report it.`,

  startTimeout: (timeoutMs: number, waiting: readonly string[]): string =>
    `Operon did not start within ${timeoutMs} ms: ${waiting.length === 1 ? 'a cache has' : `${waiting.length} caches have`} not synced, so no operator has reconciled anything yet:\n${waiting.map((w) => `  - ${w}`).join('\n')}\nFix the cause above, or give the host more time with OperonModule.forRoot({ startTimeoutMs }) (0 waits for ever).`,

  unsynced: (
    what: string,
    operators: readonly string[],
    lastError: string | undefined,
    hint: string,
  ): string =>
    `${what}, needed by ${operators.join(', ')}: ${lastError ? `last answer: ${lastError}` : 'no answer from the API server yet'}.${hint ? ` ${hint}` : ''}`,

  crdHint: (plural: string, group: string): string =>
    `Is its CustomResourceDefinition installed? Check with \`kubectl get crd ${plural}.${group}\`.`,
};
