import type { KubeObject } from '../../types/kube-object.js';
import { isRecord } from './json.js';

/**
 * A core/v1 Secret with its `stringData` folded into `data` the way the API server stores it: each
 * value base64 of its UTF-8 bytes, `stringData` winning over `data` for the same key, and no
 * `stringData` left. Any other object is returned as it is.
 *
 * @remarks
 * The server never returns `stringData`, so a child written with it would differ from the live
 * object forever. A `stringData` with a value that is not a string is left alone for the API server
 * to reject with its own message.
 */
export function foldStringData<T extends KubeObject>(obj: T): T {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'Secret') return obj;
  const { stringData, ...rest } = obj as T & { stringData?: unknown; data?: unknown };
  if (stringData === undefined) return obj;
  if (!isRecord(stringData) || !Object.values(stringData).every((v) => typeof v === 'string')) return obj;
  const data: Record<string, unknown> = isRecord(rest.data) ? { ...rest.data } : {};
  for (const [key, value] of Object.entries(stringData)) {
    data[key] = Buffer.from(value as string, 'utf8').toString('base64');
  }
  return (Object.keys(data).length === 0 ? rest : { ...rest, data }) as T;
}
