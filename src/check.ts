/** `check`: CI regression comparison against a baseline (being written). */
export interface CheckOptions {
  baseline: string;
  update: boolean;
  failOn: 'error' | 'warning' | 'never';
  junit?: string | undefined;
  annotations: boolean;
  ports: number[];
  defaultSecurityBitmap: number | null;
}

export async function runCheck(_files: string[], _o: CheckOptions): Promise<number> {
  process.stderr.write('isns-dissector: check is not implemented yet\n');
  return 2;
}
