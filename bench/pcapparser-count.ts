/**
 * The dependency's own ceiling: pcap-parser alone counting packets, fed with the
 * same stream settings the tool uses (1 MiB chunks).
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as { parse(s: NodeJS.ReadableStream): NodeJS.EventEmitter };
let n = 0;
const p = pcapParser.parse(createReadStream(process.argv[2]!, { highWaterMark: 1 << 20 }));
p.on('packet', () => n++);
p.on('end', () => console.log(n));
