/**
 * TCP conversations of an application protocol: per direction, stream
 * reassembly (reassembly.ts) feeding the protocol's framer (framer.ts), or
 * the raw in-order bytes when the protocol has no framing.
 *
 * What went wrong on a direction is told once, when the conversation ends,
 * as at most one finding of each kind: TCP_GAP (holes, and a capture that
 * starts inside the stream), MALFORMED_PDU (bytes that were not a valid PDU
 * where one was due), TRUNCATED_PDU (segments the snaplen cut), or NOT_ISNS
 * (the direction carried bytes but never one plausible PDU).
 */
import type { AppProtocol } from '../../dissector/core/protocol.js';
import { finding, type Finding } from '../findings/registry.js';
import { MAX_LISTED_FRAMES, Tally } from '../findings/tally.js';

export { Tally } from '../findings/tally.js';
import { PduFramer, type FramerEvents, type FramerPdu, type SkipReason } from './framer.js';
import type { Endpoint } from './pdu.js';
import type { HeldBytes } from './stream-buffer.js';
import { TcpDirection, type DirectionEvents, type GapInfo, type OooBudget, type StreamEntry, type TcpLimits } from './reassembly.js';

/** What happened to one direction's bytes. */
export interface SideStats {
  /** Holes: bytes missing from the capture, and the frames around the first ones. */
  readonly holes: Tally;
  readonly holeFrames: [number | null, number][];
  /** Bytes passed over at the start (the capture began inside the stream). */
  readonly start: Tally;
  /** Bytes passed over after a hole until the next PDU header. */
  readonly afterHole: Tally;
  /** Bytes passed over because a header was not valid, and why (first reasons). */
  readonly invalid: Tally;
  readonly invalidWhy: string[];
  /** Segments the snaplen cut, and bytes of PDU headers lost to a cut. */
  readonly cuts: Tally;
  readonly afterCut: Tally;
  /** PDUs emitted with bytes missing. */
  truncatedPdus: number;
  /** Bytes delivered in order. */
  bytes: number;
}

function newStats(): SideStats {
  return { holes: new Tally(), holeFrames: [], start: new Tally(), afterHole: new Tally(), invalid: new Tally(), invalidWhy: [], cuts: new Tally(), afterCut: new Tally(), truncatedPdus: 0, bytes: 0 };
}

/** Stats of a direction nothing went wrong on (shared, never written: a side gets its own on its first event). */
const CLEAN: SideStats = Object.freeze(newStats());

export interface TcpSide {
  readonly conv: TcpConv;
  /** The sender is the client (its peer's port is the one the protocol claims). */
  readonly fromClient: boolean;
  readonly dir: TcpDirection;
  framer: PduFramer | null;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** What went wrong on this direction (CLEAN until something does). */
  readonly stats: SideStats;
}

export interface TcpConv {
  readonly id: string;
  readonly index: number;
  readonly app: AppProtocol;
  /** Its directions, at most two, in the order first seen (an array: a Map per conversation costs too much). */
  readonly sides: TcpSide[];
  readonly file: string;
  /** The port the protocol claimed (the server's). */
  readonly serverPort: number;
  /** The protocol's per-connection state (AppProtocol.connection), made when the conversation starts. */
  state?: unknown;
  /** The binder no longer needs this conversation: its packets are skipped. */
  ignored?: boolean;
  /** Its entry in the fixed-offset flow cache, if any (fastpath.ts). */
  fast?: unknown;
  /** Its entry in the stream table (refreshed per packet without a lookup by id). */
  entry?: StreamEntry;
}

/** What a side needs from the pipeline. */
export interface SideDeps {
  readonly limits: TcpLimits;
  readonly budget: OooBudget;
  readonly maxPduBuffer: number | undefined;
  /** Bytes held in every stream's framer buffer together. */
  readonly held: HeldBytes;
  /** How PDU bytes are copied out (the pipeline's slab). */
  keep(b: Uint8Array, from?: number, to?: number): Uint8Array;
  /** A whole PDU of `side`: its bytes, every frame that carried them, the frame of its last byte, bytes the snaplen cut. */
  pdu(side: TcpSide, bytes: Uint8Array, frames: number[], frame: number, missing: number, resynced: boolean): void;
  finding(f: Finding): void;
}

/**
 * One direction of a conversation: reassembly, then framing (the framer is
 * made when the first bytes, a hole or a cut arrive). A class whose methods
 * are the reassembler's and the framer's events: no closures per stream (a
 * hundred thousand streams must cost little each).
 */
class Side implements TcpSide, DirectionEvents, FramerEvents {
  framer: PduFramer | null = null;
  readonly dir: TcpDirection;
  stats: SideStats = CLEAN;

  constructor(
    readonly conv: TcpConv,
    readonly fromClient: boolean,
    readonly src: Endpoint,
    readonly dst: Endpoint,
    private readonly deps: SideDeps,
  ) {
    this.dir = new TcpDirection(this, deps.limits, deps.budget);
  }

  private own(): SideStats {
    if (this.stats === CLEAN) this.stats = newStats();
    return this.stats;
  }

  private framerOf(): PduFramer | null {
    if (this.framer) return this.framer;
    const app = this.conv.app;
    const inSync = this.dir.sawSyn;
    const framing = app.connection ? app.connection.framing((this.conv.state ??= app.connection.open(inSync)), this.fromClient, inSync) : app.framing;
    if (!framing) return null;
    this.framer = new PduFramer(framing, this, { startInSync: inSync, maxBuffered: this.deps.maxPduBuffer ?? Math.max(256 * 1024, framing.maxPduLength), keep: this.deps.keep, held: this.deps.held });
    return this.framer;
  }

  // The reassembler's events.
  data(bytes: Uint8Array, frame: number, segmentStart: boolean): void {
    const f = this.framerOf();
    if (f) f.push(bytes, frame, segmentStart);
    else this.deps.pdu(this, this.deps.keep(bytes), [frame], frame, 0, false);
  }

  gap(g: GapInfo): void {
    const st = this.own();
    st.holes.add(g.bytes, g.frameBefore === null ? [g.frameAfter] : [g.frameBefore, g.frameAfter]);
    if (st.holeFrames.length < 5) st.holeFrames.push([g.frameBefore, g.frameAfter]);
    // (A hole before the first bytes: the framer must start out of sync.)
    this.framerOf()?.gap();
  }

  cut(n: number, frame: number): void {
    this.own().cuts.add(n, [frame]);
    this.framerOf()?.cut(n, frame);
  }

  // The framer's events.
  pdu(fp: FramerPdu): void {
    if (fp.missing > 0) this.own().truncatedPdus++;
    this.deps.pdu(this, fp.bytes, fp.frames, fp.frame, fp.missing, fp.resynced);
  }

  skipped(bytes: number, frames: number[], reason: SkipReason): void {
    const st = this.own();
    if (reason === 'joined mid-stream') st.start.add(bytes, frames);
    else if (reason === 'after a gap') st.afterHole.add(bytes, frames);
    else if (reason === 'after a snaplen cut') st.afterCut.add(bytes, frames);
    else {
      st.invalid.add(bytes, frames);
      const why = reason.slice('resync-after-invalid: '.length);
      if (st.invalidWhy.length < 3 && !st.invalidWhy.includes(why)) st.invalidWhy.push(why);
    }
  }
}

/**
 * Whether `src` is the client: its peer holds the claimed port. Both ports the
 * claimed one (3205 to 3205): the `first` direction seen is taken as the client's.
 */
export function fromClient(src: Endpoint, dst: Endpoint, serverPort: number, first: boolean): boolean {
  return src.port !== dst.port ? dst.port === serverPort : first;
}

/** One direction of a conversation. */
export function openSide(conv: TcpConv, src: Endpoint, dst: Endpoint, deps: SideDeps): TcpSide {
  return new Side(conv, fromClient(src, dst, conv.serverPort, conv.sides.length === 0), src, dst, deps);
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function frameText(frames: readonly number[], count: number): string {
  if (frames.length === 0) return '';
  const more = count > frames.length ? ', …' : '';
  return `frame${frames.length > 1 ? 's' : ''} ${frames.join(', ')}${more}`;
}

/**
 * The findings of one direction, at the end of its conversation. `convPdus`:
 * PDUs of both directions (a conversation none of whose bytes hold a PDU is
 * NOT_ISNS; a direction that is only a fragment beside a real one is not).
 */
function sideFindings(conv: TcpConv, side: TcpSide, convPdus: number, left: { bytes: number; frames: number[] } | undefined, evicted: string | undefined): Finding[] {
  const s = side.stats;
  const from = `${side.src.addr}:${side.src.port}`;
  const app = conv.app.name;
  const out: Finding[] = [];
  const pdus = side.framer?.pdus ?? 0;
  const passed = s.start.bytes + s.afterHole.bytes + s.invalid.bytes + s.afterCut.bytes;
  if (side.framer && convPdus === 0 && passed > 0 && s.holes.count === 0 && s.cuts.count === 0 && !evicted) {
    const frames = [...new Set([...s.start.sorted(), ...s.afterHole.sorted(), ...s.invalid.sorted(), ...s.afterCut.sorted()])].sort((a, b) => a - b).slice(0, MAX_LISTED_FRAMES);
    const seen = side.dir.sawSyn ? 'from its first byte' : 'as far as it was captured';
    out.push(finding('NOT_ISNS', { conversation: conv.id, text: `the ${plural(passed, 'byte')} from ${from} hold no plausible ${app} PDU header ${seen} (${frameText(frames, frames.length)}): this is not ${app}, or only a fragment of it` }, frames, conv.file));
  } else {
    const unfinished = left !== undefined && left.bytes > 0;
    if (s.holes.count > 0 || s.start.bytes > 0 || unfinished || (pdus === 0 && passed > 0 && s.cuts.count === 0)) {
      const parts: string[] = [];
      if (s.start.bytes > 0) parts.push(`the capture starts inside this stream: ${plural(s.start.bytes, 'byte')} before the first ${app} PDU header were passed over (${frameText(s.start.sorted(), s.start.count)})`);
      if (s.holes.count > 0) {
        const where = s.holeFrames.map(([a, b]) => (a === null ? `at the start of the stream, before frame ${b}` : `between frames ${a} and ${b}`)).join(', ') + (s.holes.count > s.holeFrames.length ? ', …' : '');
        parts.push(`${plural(s.holes.bytes, 'byte')} ${s.holes.bytes === 1 ? 'is' : 'are'} missing from the capture${s.holes.count > 1 ? ` in ${s.holes.count} holes` : ''} (${where})`);
        if (s.afterHole.bytes > 0) parts.push(`${plural(s.afterHole.bytes, 'byte')} after ${s.holes.count === 1 ? 'it' : 'them'} were passed over until the next PDU header`);
      }
      const ends = evicted ? `the tool stopped following this stream (${evicted}) inside an ${app} PDU` : `the capture ends inside an ${app} PDU`;
      if (unfinished) parts.push(`${ends}: only its first ${plural(left.bytes, 'byte')} ${left.bytes === 1 ? 'was' : 'were'} captured (${frameText(left.frames.slice(0, MAX_LISTED_FRAMES), left.frames.length)})`);
      else if (evicted && passed > 0) parts.push(`the tool stopped following this stream (${evicted}) before finding a PDU boundary`);
      const frames = [...new Set([...s.start.sorted(), ...s.holes.sorted(), ...(unfinished ? left.frames.slice(0, MAX_LISTED_FRAMES) : [])])].sort((a, b) => a - b).slice(0, MAX_LISTED_FRAMES);
      out.push(finding('TCP_GAP', { conversation: conv.id, from, text: `${parts.join('; ')}; ${app} PDUs in them are lost` }, frames, conv.file));
    }
    if (s.invalid.count > 0) {
      const text = `${plural(s.invalid.bytes, 'byte')} from ${from} were not a valid ${app} PDU where one was due (${s.invalidWhy.join('; ')}) and were passed over to the next plausible PDU header, ${plural(s.invalid.count, 'time')} (${frameText(s.invalid.sorted(), s.invalid.count)})`;
      out.push(finding('MALFORMED_PDU', { conversation: conv.id, text }, s.invalid.sorted(), conv.file));
    }
  }
  if (s.cuts.count > 0) {
    const lost = s.afterCut.bytes > 0 ? `; ${plural(s.afterCut.bytes, 'byte')} after the cuts could not be placed in a PDU and were passed over` : '';
    const text = `the capture's snaplen cut ${plural(s.cuts.bytes, 'byte')} from ${plural(s.cuts.count, 'segment')} from ${from} (${frameText(s.cuts.sorted(), s.cuts.count)}): ${plural(s.truncatedPdus, `${app} PDU`)} ${s.truncatedPdus === 1 ? 'is' : 'are'} decoded only as far as ${s.truncatedPdus === 1 ? 'it was' : 'they were'} captured${lost}`;
    out.push(finding('TRUNCATED_PDU', { conversation: conv.id, text }, s.cuts.sorted(), conv.file));
  }
  return out;
}

/** End of a conversation: each side's held bytes are delivered, what went wrong reported. */
export function closeSides(conv: TcpConv, report: (f: Finding) => void, evicted?: string): void {
  const lefts = new Map<TcpSide, { bytes: number; frames: number[] } | undefined>();
  for (const side of conv.sides) {
    side.dir.finish();
    lefts.set(side, side.framer?.end());
    side.framer?.release();
  }
  let convPdus = 0;
  for (const side of conv.sides) convPdus += side.framer?.pdus ?? 0;
  let notIsns = false;
  for (const side of conv.sides) {
    const left = lefts.get(side);
    for (const f of sideFindings(conv, side, convPdus, left, evicted)) {
      // One NOT_ISNS per conversation.
      if (f.code === 'NOT_ISNS') {
        if (notIsns) continue;
        notIsns = true;
      }
      report(f);
    }
  }
}
