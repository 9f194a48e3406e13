import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { type CertificateFiles, type KeyPair, readKeyPair } from './certificate.js';

/** Options of {@link watchKeyPair}. */
export interface WatchKeyPairOptions {
  /** How often the files are checked. Default 10 s (controller-runtime's certwatcher polls as often). */
  intervalMs?: number;
  /** Receives the new pair after either file changed and both read back as a matching pair. */
  onChange: (pair: KeyPair) => void;
  /** Receives why a changed pair could not be used; the server keeps the certificate it has. */
  onError: (err: Error) => void;
}

/**
 * Watches a certificate and key for rotation (cert-manager, a re-mounted Secret) and hands every new
 * matching pair to `onChange`; returns a function that stops watching.
 *
 * @remarks
 * Polls the files' metadata with `fs.watchFile` instead of using inotify (`fs.watch`): a Secret volume
 * swaps a symlink to a new folder, which inotify on the old file never reports, while a `stat` of the
 * path follows the link. A half-written rotation (new certificate, old key) fails the pair check and is
 * reported; the next change retries. The timers do not keep the process alive.
 */
export function watchKeyPair(files: CertificateFiles, options: WatchKeyPairOptions): () => void {
  const interval = options.intervalMs ?? 10_000;
  let reading = Promise.resolve();
  const changed = (now: Stats, before: Stats): void => {
    if (now.mtimeMs === before.mtimeMs && now.ino === before.ino && now.size === before.size) return;
    // One reload at a time, so an older read never replaces a newer pair.
    reading = reading.then(async () => {
      try {
        options.onChange(await readKeyPair(files));
      } catch (err) {
        options.onError(err instanceof Error ? err : new Error(String(err)));
      }
    });
  };
  const paths = [...new Set([files.certFile, files.keyFile])];
  for (const path of paths) watchFile(path, { interval, persistent: false }, changed);
  return () => {
    for (const path of paths) unwatchFile(path, changed);
  };
}
