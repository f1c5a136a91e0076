import type { AppProtocol, Protocol, TableName } from './protocol.js';

/** One dissector table (Wireshark's dissector_table_t): numeric key → dissector. */
export class DissectorTable<P> {
  private readonly map = new Map<number, P>();
  constructor(readonly name: TableName) {}

  /** Add a key; a key already taken is an error (found at start-up, not at run time). */
  add(key: number, p: P): void {
    if (!Number.isInteger(key) || key < 0) throw new Error(`${this.name}: invalid key ${key}`);
    if (this.map.has(key)) throw new Error(`${this.name}: key ${key} is registered twice`);
    this.map.set(key, p);
  }

  /** Add unless the key already maps to this same dissector (for run-time "Decode As"). */
  addIfAbsent(key: number, p: P): boolean {
    const cur = this.map.get(key);
    if (cur === p) return false;
    this.add(key, p);
    return true;
  }

  get(key: number): P | undefined {
    return this.map.get(key);
  }

  has(key: number): boolean {
    return this.map.has(key);
  }

  keys(): number[] {
    return [...this.map.keys()].sort((a, b) => a - b);
  }
}

/** The set of dissector tables: the plugin interface. */
export class Registry {
  readonly linktype = new DissectorTable<Protocol>('linktype');
  readonly ethertype = new DissectorTable<Protocol>('ethertype');
  readonly ipProto = new DissectorTable<Protocol>('ip.proto');
  readonly tcpPort = new DissectorTable<AppProtocol>('tcp.port');
  readonly udpPort = new DissectorTable<AppProtocol>('udp.port');
  private readonly byAbbrev = new Map<string, Protocol | AppProtocol>();

  table(name: 'tcp.port' | 'udp.port'): DissectorTable<AppProtocol>;
  table(name: 'linktype' | 'ethertype' | 'ip.proto'): DissectorTable<Protocol>;
  table(name: TableName): DissectorTable<Protocol> | DissectorTable<AppProtocol>;
  table(name: TableName): DissectorTable<Protocol> | DissectorTable<AppProtocol> {
    switch (name) {
      case 'linktype':
        return this.linktype;
      case 'ethertype':
        return this.ethertype;
      case 'ip.proto':
        return this.ipProto;
      case 'tcp.port':
        return this.tcpPort;
      case 'udp.port':
        return this.udpPort;
    }
  }

  /** Add a protocol under keys of a table (the protocol is also indexed by abbreviation). */
  add(name: 'linktype' | 'ethertype' | 'ip.proto', keys: readonly number[], p: Protocol): this;
  add(name: 'tcp.port' | 'udp.port', keys: readonly number[], p: AppProtocol): this;
  add(name: TableName, keys: readonly number[], p: Protocol | AppProtocol): this {
    const prev = this.byAbbrev.get(p.abbrev);
    if (prev && prev !== p) throw new Error(`two different dissectors named ${p.abbrev}`);
    this.byAbbrev.set(p.abbrev, p);
    const t = this.table(name) as DissectorTable<Protocol | AppProtocol>;
    for (const k of keys) t.add(k, p);
    return this;
  }

  protocol(abbrev: string): Protocol | AppProtocol | undefined {
    return this.byAbbrev.get(abbrev);
  }

  protocols(): (Protocol | AppProtocol)[] {
    return [...this.byAbbrev.values()];
  }
}
