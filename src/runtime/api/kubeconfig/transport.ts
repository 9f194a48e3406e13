import { type ClientRequestArgs, Agent as HttpAgent } from 'node:http';
import { Agent } from 'node:https';
import type { ConnectionSettings, ConnectionSettingsSource, TlsSettings } from './kube-config-like.js';
import { sameCredentials, sameTls } from './same-settings.js';

/** An agent and the headers to send with it, for the settings they were built from. */
export interface Connection {
  readonly agent: Agent | HttpAgent;
  readonly headers: Readonly<Record<string, string>>;
  readonly settings: ConnectionSettings;
}

/**
 * The API client's connections: one keep-alive agent and one set of auth headers, built from the
 * kubeconfig's {@link ConnectionSettings} and rebuilt only when those change.
 *
 * @remarks
 * The agent is replaced only when the TLS material itself changes (a renewed client certificate, a
 * new CA), not when only a token does; the old one keeps its in-flight requests (open watches) and
 * closes each connection as it falls idle.
 */
export class Transport {
  private current: Connection | undefined;
  private readonly retired = new Set<Agent | HttpAgent>();

  constructor(
    private readonly server: URL,
    private readonly source: ConnectionSettingsSource,
  ) {}

  /** The connection for the current settings (no work while they have not changed). */
  async connection(): Promise<Connection> {
    const settings = await this.source.connectionSettings();
    const current = this.current;
    if (current?.settings === settings) return current;
    const agent =
      current && sameTls(current.settings.tls, settings.tls) ? current.agent : this.newAgent(settings.tls);
    if (current && agent !== current.agent) this.retire(current.agent);
    this.current = { agent, headers: settings.headers, settings };
    return this.current;
  }

  /**
   * After a 401 to a request made on `failed`: drops the cached credentials and derives them again.
   * Returns whether they changed, i.e. whether the request is worth sending once more.
   */
  async renewAfterUnauthorized(failed: Connection): Promise<boolean> {
    this.source.invalidateConnectionSettings(failed.settings);
    const next = await this.connection();
    return !sameCredentials(next.settings, failed.settings);
  }

  /** Closes every connection, in use or not; a later request opens new ones. */
  close(): void {
    this.current?.agent.destroy();
    for (const a of this.retired) a.destroy();
    this.retired.clear();
    this.current = undefined;
  }

  private newAgent(tls: Readonly<TlsSettings>): Agent | HttpAgent {
    if (this.server.protocol === 'http:') return new HttpAgent({ keepAlive: true });
    return new OneTlsAgent({ keepAlive: true, ...definedOnly(tls) });
  }

  // Idle connections close now, busy ones when their request ends.
  private retire(agent: Agent | HttpAgent): void {
    agent.on('free', (socket) => socket.destroy());
    for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) s.destroy();
    this.retired.add(agent);
    for (const a of this.retired) if (Object.keys(a.sockets).length === 0) this.retired.delete(a);
  }
}

/**
 * A keep-alive HTTPS agent for one TLS configuration, the one it is built with.
 *
 * @remarks
 * Node's `https.Agent` names each request's connection pool by its host and port plus every TLS
 * option, the CA, client certificate and key included: it decodes those Buffers into one string of
 * some kilobytes on every request (about a tenth of the client's garbage). This agent never gets TLS
 * options per request (a new credential gets a new agent), so host and port name a pool alone.
 */
class OneTlsAgent extends Agent {
  override getName(options?: ClientRequestArgs): string {
    return HttpAgent.prototype.getName.call(this, options);
  }
}

// Undefined keys would override the agent's defaults (rejectUnauthorized: true) with undefined.
function definedOnly(tls: Readonly<TlsSettings>): TlsSettings {
  return Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)) as TlsSettings;
}
