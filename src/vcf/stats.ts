/**
 * Live counters of a {@link VcfReader}. Message lists are capped so a file with a
 * million bad lines cannot grow memory.
 */

/** Counters a reader updates as it goes; read them at any time (e.g. for progress). */
export interface ReaderStats {
  /** Data lines parsed (reference-only sites included, invalid lines excluded). */
  readonly records: number;
  /** Variants yielded (one per ALT allele after splitting). */
  readonly variants: number;
  /** Reference-only sites (`ALT .`) plus gVCF reference-block alleles (`<*>`, `<NON_REF>`). */
  readonly skippedReferenceOnly: number;
  /** Data lines dropped with `onInvalid: "skip"`. */
  readonly skippedInvalid: number;
  /** The first {@link MAX_MESSAGES} messages of skipped lines (`file:line: reason`). */
  readonly invalidMessages: readonly string[];
  /** Warnings raised (each distinct problem once). */
  readonly warnings: number;
  /** The first {@link MAX_MESSAGES} warning messages. */
  readonly warningMessages: readonly string[];
  /** Raw (compressed) bytes consumed from the input so far. */
  readonly bytesRead: number;
  /** Size of the input in bytes; undefined for stdin and streams. */
  readonly totalBytes: number | undefined;
}

/** How many messages of each kind are kept. */
export const MAX_MESSAGES = 20;
/** Distinct warning keys remembered for de-duplication; beyond this every repeat counts again. */
const MAX_WARN_KEYS = 10_000;

/** Mutable implementation of {@link ReaderStats}; `bytes` supplies the byte figures. */
export class ReaderCounters implements ReaderStats {
  records = 0;
  variants = 0;
  skippedReferenceOnly = 0;
  skippedInvalid = 0;
  readonly invalidMessages: string[] = [];
  warnings = 0;
  readonly warningMessages: string[] = [];
  private readonly warned = new Set<string>();

  constructor(private readonly bytes: () => { read: number; total: number | undefined }) {}

  get bytesRead(): number {
    return this.bytes().read;
  }

  get totalBytes(): number | undefined {
    return this.bytes().total;
  }

  /** Counts a warning unless one with the same `key` was already counted. */
  warn(key: string, message: string): void {
    if (this.warned.has(key)) return;
    if (this.warned.size < MAX_WARN_KEYS) this.warned.add(key);
    this.warnings++;
    if (this.warningMessages.length < MAX_MESSAGES) this.warningMessages.push(message);
  }

  /** Counts a skipped invalid line. */
  invalid(message: string): void {
    this.skippedInvalid++;
    if (this.invalidMessages.length < MAX_MESSAGES) this.invalidMessages.push(message);
  }

  /** A plain snapshot (for logs and JSON). */
  toJSON(): ReaderStats {
    const { records, variants, skippedReferenceOnly, skippedInvalid, warnings, bytesRead, totalBytes } = this;
    return { records, variants, skippedReferenceOnly, skippedInvalid, invalidMessages: [...this.invalidMessages], warnings, warningMessages: [...this.warningMessages], bytesRead, totalBytes };
  }
}
