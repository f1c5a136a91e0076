/** Raw read floor: Node streaming the file in 1 MiB chunks, counting bytes. */
import { createReadStream } from 'node:fs';

let n = 0;
for await (const c of createReadStream(process.argv[2]!, { highWaterMark: 1 << 20 })) n += (c as Buffer).length;
console.log(n);
