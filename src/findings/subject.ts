/**
 * The stable subject of a finding: what it is about, in words that stay the
 * same between two recordings of the same network. A CI baseline keys
 * capture-level findings by (code, subject): no frame numbers, no times, no
 * transaction ids, no file names and no client's ephemeral port.
 *
 * Made from the finding's facts by their names (so a new finding code gets a
 * subject without a rule of its own):
 *  - `conversation` ("tcp 10.0.0.1:3205 10.45.0.100:55321"): the transport,
 *    both addresses, and only the server's port — of two ports the lower is
 *    kept, the higher dropped when it is in the dynamic range (>= 1024);
 *  - `request`/`from`/`to` (an unanswered request): the function, the
 *    client's address and the server's address and port;
 *  - `response`/`status` (an error status no portal is concerned by);
 *  - `linktype` (an unsupported link type);
 *  - `from` of a direction ("from 10.45.0.100") is kept without its port;
 *  - summaries of findings over a bound ("N more ... not listed") are "(more)".
 * Anything else (a truncated capture) has the empty subject: the code alone.
 */

const ENDPOINT = /^(.*):(\d+)$/;

function split(ep: string): { addr: string; port: number | null } {
  const m = ENDPOINT.exec(ep);
  return m ? { addr: m[1]!, port: +m[2]! } : { addr: ep, port: null };
}

/** Both endpoints, the client's ephemeral port dropped. */
export function stableConversation(conv: string): string {
  const parts = conv.split(' ');
  if (parts.length !== 3) return conv;
  const [t, x, y] = parts as [string, string, string];
  const a = split(x);
  const b = split(y);
  if (a.port === null || b.port === null) return conv;
  const show = (e: { addr: string; port: number | null }, keep: boolean): string => (keep ? `${e.addr}:${e.port}` : e.addr);
  // The higher port is the client's (ephemeral) one when it is in the dynamic range.
  const dropA = a.port > b.port && a.port >= 1024;
  const dropB = b.port > a.port && b.port >= 1024;
  return `${t} ${show(a, !dropA)} ${show(b, !dropB)}`;
}

const addrOnly = (ep: string): string => split(ep).addr;

export function stableSubject(facts: unknown): string {
  if (facts === null || typeof facts !== 'object') return '';
  const f = facts as Record<string, unknown>;
  const str = (k: string): string | null => (typeof f[k] === 'string' ? (f[k] as string) : null);
  if ('more' in f || 'untracked' in f) return '(more)';
  const parts: string[] = [];
  const conv = str('conversation');
  if (conv !== null) {
    parts.push(stableConversation(conv));
    const from = str('from');
    if (from !== null) parts.push(`from ${addrOnly(from)}`);
    return parts.join(' ');
  }
  const request = str('request');
  const from = str('from');
  const to = str('to');
  if (request !== null && from !== null && to !== null) return `${request} ${addrOnly(from)} -> ${to}`;
  const response = str('response');
  const status = str('status');
  if (response !== null && status !== null) return `${response} status ${status}`;
  if (typeof f.linktype === 'number') return `link type ${f.linktype}`;
  return '';
}
