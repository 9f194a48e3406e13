import { Injectable } from '@nestjs/common';
import { OperonHost } from '@operon/nest';

/**
 * Reads the Operon host the way a health controller or an admin endpoint would: OperonModule
 * exports the host, so any provider can inject it.
 */
@Injectable()
export class OperonStatus {
  constructor(private readonly host: OperonHost) {}

  /** For a readiness probe: true once every cache has synced and the operators reconcile. */
  isReady(): boolean {
    return this.host.ready;
  }

  summary(): string {
    const caches = this.host
      .sharedInformers()
      .map((i) => `${i.type.kind}${i.scope.namespace ? ` in ${i.scope.namespace}` : ''}`);
    return `${this.isReady() ? 'ready' : 'starting'}: operators ${this.host.operators.join(', ')}; shared caches: ${caches.join(', ')}`;
  }

  /** Reconciles one Greeting now, for example after the salutation changed outside Kubernetes. */
  refreshGreeting(namespace: string, name: string): void {
    this.host.trigger('greeting', `${namespace}/${name}`);
  }
}
