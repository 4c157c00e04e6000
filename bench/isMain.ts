/**
 * Whether the module at `moduleUrl` (its import.meta.url) is the script node was started with: a
 * bench script runs its command only then, so a test can import its functions. Both sides through
 * realpath: node resolves symlinks for import.meta.url but not for argv[1].
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function isMain(moduleUrl: string): boolean {
  const started = process.argv[1];
  if (!started) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(started);
  } catch {
    return false; // argv[1] is not a file (node -e, a REPL)
  }
}
