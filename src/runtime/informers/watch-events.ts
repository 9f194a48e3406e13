import type { KubeObject } from '../../types/kube-object.js';
import type { ApiStatus } from '../api/api-error.js';

/** The event types the API server sends on a watch. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One line of a watch stream, parsed. `ERROR` carries a `Status`, every other type an object. */
export type WatchEvent<T extends KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: ApiStatus };

const TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * Parses one line of a watch stream.
 * @throws Error when the line is not JSON or not a watch event; the caller ends that watch.
 */
export function parseWatchEvent<T extends KubeObject>(line: string): WatchEvent<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new Error(`the watch stream sent a line that is not JSON: ${line.slice(0, 200)}`, { cause: err });
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('type' in parsed) ||
    typeof parsed.type !== 'string' ||
    !TYPES.has(parsed.type) ||
    !('object' in parsed) ||
    typeof parsed.object !== 'object' ||
    parsed.object === null
  ) {
    throw new Error(`the watch stream sent something that is not a watch event: ${line.slice(0, 200)}`);
  }
  return parsed as WatchEvent<T>;
}

/**
 * Reassembles newline-delimited lines from the chunks of a stream.
 *
 * @remarks
 * The API server flushes per event, but proxies and TCP split and merge freely: one chunk may hold
 * half an event or several. Feed it decoded strings (`setEncoding('utf8')` keeps multi-byte
 * characters that straddle chunks intact).
 */
export class LineSplitter {
  private pending = '';

  /** Adds a chunk and returns the lines it completed (without the newline, empty lines skipped). */
  push(chunk: string): string[] {
    // A large object arrives in many chunks: only rescan once a newline shows up.
    if (!chunk.includes('\n')) {
      this.pending += chunk;
      return [];
    }
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.map((l) => l.trim()).filter((l) => l.length > 0);
  }

  /** Returns and clears whatever arrived after the last newline (empty for a well-formed stream). */
  flush(): string {
    const rest = this.pending.trim();
    this.pending = '';
    return rest;
  }
}
