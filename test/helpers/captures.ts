/** The bundled captures the tests walk. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every capture under `dir`, its subfolders included, sorted by path; `gz`: gzipped ones too. */
export function captureFiles(dir: string, gz = true): string[] {
  const name = gz ? /\.pcap(ng)?(\.gz)?$/ : /\.pcap(ng)?$/;
  const walk = (d: string, out: string[]): string[] => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p, out);
      else if (name.test(e)) out.push(p);
    }
    return out;
  };
  return walk(dir, []).sort();
}
