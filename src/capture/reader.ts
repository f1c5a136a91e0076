/** The shape every capture format's reader has. */
/** What a format reader does with the decompressed byte stream. */
export interface FormatReader {
  /**
   * Feed the next chunk (processed completely and synchronously; the chunk may
   * be reused by the caller afterwards). Returns false when reading must stop.
   */
  push(chunk: Buffer): boolean;
  /** End of input: report a cut header or a truncated last record/block. */
  end(): void;
  /** Frames numbered so far. */
  readonly packets: number;
  /** The one-line error that stopped reading, if any. */
  readonly error: string | null;
}
