/**
 * Per-connection digest state for framing: HeaderDigest and DataDigest are
 * negotiated in the Login (RFC 7143 §13.1) and take effect with the first
 * PDU after the login phase, in both directions. One DigestNegotiation per
 * TCP connection: hand `digests` to iscsiFraming for both directions, and
 * observe() every PDU of the connection in stream order (both directions,
 * as framed). When the final Login Response (T=1, NSG=3, status 0) has been
 * observed, `digests` is set from the negotiated values and the framings
 * use them from their next PDU on.
 *
 * Keys alternate offer / answer (RFC 7143 §6.2): a key sent by one side is
 * an offer unless the other side offered it last, and then it is the answer
 * and the result. Only an answer "CRC32C" turns a digest on ("None",
 * "Reject", "NotUnderstood", "Irrelevant" or an unanswered offer leave the
 * default None). Login text continued over several PDUs (C=1) is joined
 * before it is read.
 */
import { OP, type IscsiDigests, type IscsiPdu } from './bhs.js';
import { joinText, parseKeyValues } from './keyvalues.js';

/** Login text kept per direction while C=1 (a login text larger than this is read in part). */
const MAX_TEXT = 64 * 1024;

export class DigestNegotiation {
  /** Read by the framings; mutated here. */
  readonly digests: IscsiDigests = { header: false, data: false };
  /** Negotiated (answered) HeaderDigest / DataDigest values (for reports). */
  readonly values = new Map<string, string>();
  /** Direction (0 initiator, 1 target) of the pending offer of each key. */
  private readonly offered = new Map<string, number>();
  /** True once the login phase completed (digests may now be in use). */
  fullFeature = false;
  private readonly pending: [Uint8Array[], Uint8Array[]] = [[], []];
  private readonly pendingBytes = [0, 0];

  observe(p: Pick<IscsiPdu, 'opcode' | 'cont' | 'final' | 'nsg' | 'statusClass' | 'data'>): void {
    if (p.opcode !== OP.LOGIN && p.opcode !== OP.LOGIN_RSP) return;
    const dir = p.opcode === OP.LOGIN ? 0 : 1;
    if (this.pendingBytes[dir]! < MAX_TEXT && p.data.length > 0) {
      const take = p.data.subarray(0, MAX_TEXT - this.pendingBytes[dir]!);
      this.pending[dir].push(Uint8Array.from(take));
      this.pendingBytes[dir]! += take.length;
    }
    if (p.cont) return;
    for (const kv of parseKeyValues(joinText(this.pending[dir]))) {
      if ((kv.key !== 'HeaderDigest' && kv.key !== 'DataDigest') || kv.value === null || kv.partial) continue;
      if (this.offered.get(kv.key) === 1 - dir) {
        this.values.set(kv.key, kv.value);
        this.offered.delete(kv.key);
      } else this.offered.set(kv.key, dir);
    }
    this.pending[dir] = [];
    this.pendingBytes[dir] = 0;
    if (p.opcode === OP.LOGIN_RSP && p.final && p.nsg === 3 && p.statusClass === 0) {
      this.fullFeature = true;
      this.digests.header = this.values.get('HeaderDigest') === 'CRC32C';
      this.digests.data = this.values.get('DataDigest') === 'CRC32C';
    }
  }
}
