/**
 * IPv4 portals by (address bits, port word): an open-addressing hash table
 * over two Int32Arrays, so the portal a message names is found with a few
 * array reads and no Map lookups (the walk's per-portal common case).
 * Linear probing; the hash mixes both keys with a per-run random seed, so a
 * capture cannot line its portals up in one run of slots without knowing it.
 */

/** murmur3's finaliser. */
function fmix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

export class V4Index<T> {
  private addr = new Int32Array(64);
  /** Port word + 1 (0 marks an empty slot). */
  private port = new Int32Array(64);
  private vals: (T | undefined)[] = new Array<T | undefined>(64);
  private mask = 63;
  private n = 0;
  private readonly seed = (Math.random() * 0x7fffffff) | 0;

  private slot(bits: number, word: number): number {
    return fmix(fmix(bits ^ this.seed) + Math.imul(word + 1, 0x9e3779b1)) & this.mask;
  }

  /** The value at (bits, word); `word` is the port in its low 16 bits, bit 16 for UDP. */
  get(bits: number, word: number): T | undefined {
    const w = word + 1;
    for (let i = this.slot(bits, word); ; i = (i + 1) & this.mask) {
      const p = this.port[i]!;
      if (p === 0) return undefined;
      if (p === w && this.addr[i] === bits) return this.vals[i];
    }
  }

  set(bits: number, word: number, v: T): void {
    if ((this.n + 1) * 2 > this.mask + 1) this.grow();
    const w = word + 1;
    for (let i = this.slot(bits, word); ; i = (i + 1) & this.mask) {
      const p = this.port[i]!;
      if (p === 0) {
        this.addr[i] = bits;
        this.port[i] = w;
        this.vals[i] = v;
        this.n++;
        return;
      }
      if (p === w && this.addr[i] === bits) {
        this.vals[i] = v;
        return;
      }
    }
  }

  private grow(): void {
    const { addr, port, vals } = this;
    const size = (this.mask + 1) * 2;
    this.addr = new Int32Array(size);
    this.port = new Int32Array(size);
    this.vals = new Array<T | undefined>(size);
    this.mask = size - 1;
    this.n = 0;
    for (let i = 0; i < port.length; i++) if (port[i] !== 0) this.set(addr[i]!, port[i]! - 1, vals[i]!);
  }
}
