import type { ServerOptions } from './app-options.js';

/**
 * Parses a bind address as controller-runtime's `--metrics-bind-address` and
 * `--health-probe-bind-address` take it: `host:port`, `:port` (every interface), `[::1]:port`, or
 * `0` to turn the server off (`false`). `:0` picks a free port.
 *
 * @remarks
 * A bare port (`8081`, without the colon) is accepted too, since it can only mean one thing; `0` alone
 * stays "off", as in controller-runtime.
 *
 * @throws Error saying what a bind address looks like, when `value` is not one.
 *
 * @example
 * ```ts
 * parseBindAddress(':8443');          // { port: 8443 }
 * parseBindAddress('127.0.0.1:8081'); // { host: '127.0.0.1', port: 8081 }
 * parseBindAddress('0');              // false
 * ```
 */
export function parseBindAddress(value: string): (ServerOptions & { port: number }) | false {
  const text = value.trim();
  if (text === '0') return false;
  const match =
    /^(?:\[([0-9a-fA-F:.%\w]+)\]|([^:[\]]*))?:(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) {
    throw new Error(
      `"${value}" is not a bind address: use host:port (127.0.0.1:8443, [::1]:8443), :port for every interface, or 0 to turn the server off.`,
    );
  }
  const host = match[1] ?? match[2];
  return host ? { host, port } : { port };
}
