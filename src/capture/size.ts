/**
 * A capture path's size, known before reading it: what the CLI's launcher
 * (cli/launch.ts) decides on before anything else is loaded, and knownSize
 * (input.ts) counts for paths. Node's fs only.
 */
import { statSync } from 'node:fs';

/**
 * Bytes of the regular file a path names (0 for one that names none: reading
 * says what is wrong); null when its size is not known beforehand (standard
 * input "-", gzip).
 */
export function pathBytes(path: string): number | null {
  if (path === '-' || /\.gz$/i.test(path)) return null;
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}
