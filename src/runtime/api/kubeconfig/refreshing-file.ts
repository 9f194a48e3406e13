import { readFile, stat } from 'node:fs/promises';

/** How often a credential file is looked at again: client-go re-reads token files once a minute. */
export const FILE_RECHECK_MS = 60_000;

/** A file's content and when it is due to be looked at again. */
export interface FileContent {
  readonly content: Buffer;
  /** Epoch ms. */
  readonly recheckAt: number;
}

/**
 * A credential file (token, CA, client certificate or key) that may change while the process runs:
 * the kubelet rotates projected ServiceAccount tokens, cert-manager renews certificates.
 *
 * @remarks
 * Read once, then looked at again at most every {@link FILE_RECHECK_MS}: a `stat`, and a read only
 * when its modification time, size or inode changed (the kubelet swaps a symlink, so the inode
 * changes). Reading per request is what cost client-node's `applyToHTTPSOptions` 6 % of an
 * operator's CPU. {@link RefreshingFile.invalidate} forces a read on the next call (after a 401).
 */
export class RefreshingFile {
  private cached:
    | { content: Buffer; mtimeMs: number; size: number; ino: number; checkedAt: number }
    | undefined;
  private forced = false;

  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
    private readonly recheckMs = FILE_RECHECK_MS,
  ) {}

  /** The content, read again when due and changed. */
  async read(): Promise<FileContent> {
    const now = this.now();
    const c = this.cached;
    if (c && !this.forced && now < c.checkedAt + this.recheckMs) {
      return { content: c.content, recheckAt: c.checkedAt + this.recheckMs };
    }
    const s = await stat(this.path);
    if (c && !this.forced && s.mtimeMs === c.mtimeMs && s.size === c.size && s.ino === c.ino) {
      c.checkedAt = now;
      return { content: c.content, recheckAt: now + this.recheckMs };
    }
    const content = await readFile(this.path);
    this.cached = { content, mtimeMs: s.mtimeMs, size: s.size, ino: s.ino, checkedAt: now };
    this.forced = false;
    return { content, recheckAt: now + this.recheckMs };
  }

  /** The next {@link RefreshingFile.read} reads the file whatever its time stamps say. */
  invalidate(): void {
    this.forced = true;
  }
}
