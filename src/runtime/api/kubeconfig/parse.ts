import { parse } from 'yaml';
import {
  type AuthProviderConfig,
  type Cluster,
  type Context,
  EMPTY_KUBECONFIG,
  type ExecConfig,
  type ExecEnvVar,
  type KubeConfigData,
  type User,
} from './types.js';

type Json = Record<string, unknown>;

/**
 * Reads a kubeconfig from its YAML (or JSON) text. Paths stay as written: see `resolvePaths`.
 *
 * @remarks
 * Strict about types, as kubectl is (a number where a string belongs is an error), and names the
 * offending field (`users[1].user.token must be a string`); fields Operon does not use
 * (`preferences`, `extensions`, `apiVersion`) are ignored. An empty document is an empty config,
 * as kubectl treats an empty file in a `KUBECONFIG` list.
 *
 * @throws Error when the text is not YAML, or an entry lacks a name, a cluster lacks its server or
 * a context its cluster.
 */
export function parseKubeConfig(text: string): KubeConfigData {
  const doc: unknown = parse(text);
  if (doc === null || doc === undefined) return EMPTY_KUBECONFIG;
  const root = object(doc, 'the kubeconfig');
  return {
    clusters: list(root, 'clusters').map((e, i) => cluster(e, `clusters[${i}]`)),
    users: list(root, 'users').map((e, i) => user(e, `users[${i}]`)),
    contexts: list(root, 'contexts').map((e, i) => context(e, `contexts[${i}]`)),
    currentContext: str(root, 'current-context', '') ?? '',
  };
}

function cluster(entry: unknown, at: string): Cluster {
  const e = object(entry, at);
  const name = required(e, 'name', at);
  const c = object(e.cluster ?? missing(`${at}.cluster`), `${at}.cluster`);
  const where = `${at}.cluster`;
  return {
    name,
    // client-node strips it too, so `server + path` never holds a double slash.
    server: required(c, 'server', where).replace(/\/$/, ''),
    caData: str(c, 'certificate-authority-data', where),
    caFile: str(c, 'certificate-authority', where),
    skipTLSVerify: bool(c, 'insecure-skip-tls-verify', where) ?? false,
    tlsServerName: str(c, 'tls-server-name', where),
    proxyUrl: str(c, 'proxy-url', where),
  };
}

function user(entry: unknown, at: string): User {
  const e = object(entry, at);
  const name = required(e, 'name', at);
  // A user with no `user` block is anonymous, as in kubectl.
  const where = `${at}.user`;
  const u = e.user === undefined || e.user === null ? {} : object(e.user, where);
  return {
    name,
    certData: str(u, 'client-certificate-data', where),
    certFile: str(u, 'client-certificate', where),
    keyData: str(u, 'client-key-data', where),
    keyFile: str(u, 'client-key', where),
    token: str(u, 'token', where),
    // kubectl writes `tokenFile`; client-node read `token-file`: accept both, kubectl's first.
    tokenFile: str(u, 'tokenFile', where) ?? str(u, 'token-file', where),
    username: str(u, 'username', where),
    password: str(u, 'password', where),
    impersonateUser: str(u, 'as', where),
    exec: u.exec === undefined || u.exec === null ? undefined : exec(u.exec, `${where}.exec`),
    authProvider:
      u['auth-provider'] === undefined || u['auth-provider'] === null
        ? undefined
        : authProvider(u['auth-provider'], `${where}.auth-provider`),
  };
}

function exec(value: unknown, at: string): ExecConfig {
  const e = object(value, at);
  const args = list(e, 'args', at).map((a, i) => {
    if (typeof a !== 'string') throw new Error(`${at}.args[${i}] must be a string`);
    return a;
  });
  const env = list(e, 'env', at).map((v, i): ExecEnvVar => {
    const o = object(v, `${at}.env[${i}]`);
    return { name: required(o, 'name', `${at}.env[${i}]`), value: str(o, 'value', `${at}.env[${i}]`) ?? '' };
  });
  return {
    apiVersion: str(e, 'apiVersion', at),
    command: str(e, 'command', at),
    args,
    env,
    installHint: str(e, 'installHint', at),
    provideClusterInfo: bool(e, 'provideClusterInfo', at) ?? false,
    interactiveMode: str(e, 'interactiveMode', at),
  };
}

function authProvider(value: unknown, at: string): AuthProviderConfig {
  const a = object(value, at);
  const config: Record<string, string> = {};
  if (a.config !== undefined && a.config !== null) {
    for (const [k, v] of Object.entries(object(a.config, `${at}.config`))) {
      if (typeof v !== 'string') throw new Error(`${at}.config.${k} must be a string`);
      config[k] = v;
    }
  }
  return { name: required(a, 'name', at), config };
}

function context(entry: unknown, at: string): Context {
  const e = object(entry, at);
  const name = required(e, 'name', at);
  const where = `${at}.context`;
  const c = object(e.context ?? missing(where), where);
  return {
    name,
    cluster: required(c, 'cluster', where),
    user: str(c, 'user', where) || undefined,
    namespace: str(c, 'namespace', where) || undefined,
  };
}

function object(value: unknown, at: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${at} must be a mapping`);
  }
  return value as Json;
}

function list(o: Json, key: string, at?: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${at ? `${at}.` : ''}${key} must be a list`);
  return v;
}

function str(o: Json, key: string, at: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${at ? `${at}.` : ''}${key} must be a string`);
  return v;
}

function bool(o: Json, key: string, at: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Error(`${at}.${key} must be true or false`);
  return v;
}

function required(o: Json, key: string, at: string): string {
  return str(o, key, at) || missing(`${at}.${key}`);
}

function missing(what: string): never {
  throw new Error(`${what} is missing`);
}
