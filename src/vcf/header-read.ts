/**
 * Reads the header lines off the front of a text-piece stream and stops right after
 * the `#CHROM` line, leaving the rest of that piece for the record parser.
 */
import { VcfFormatError } from "../errors.js";
import type { VcfHeader } from "./types.js";
import { HeaderBuilder, type WarnFn } from "./header.js";
import { abbreviate } from "./meta.js";

/** The header plus where the data lines begin. */
export interface HeaderResult {
  readonly header: VcfHeader;
  /** The piece holding the `#CHROM` line and `from`, the offset just after it. */
  readonly rest: string;
  readonly from: number;
}

/** Consumes header lines from `pieces`; {@link HeaderReader.lineNo} counts lines as they go. */
export class HeaderReader {
  /** Lines consumed so far. */
  lineNo = 0;

  constructor(
    private readonly source: string,
    private readonly warn: WarnFn,
  ) {}

  /**
   * Reads until the `#CHROM` line. Throws {@link VcfFormatError} for a malformed header,
   * a data line before `#CHROM`, or an input that ends first.
   */
  async read(pieces: AsyncIterator<string>): Promise<HeaderResult> {
    const builder = new HeaderBuilder(this.source, this.warn);
    for (;;) {
      const r = await pieces.next();
      if (r.done) break;
      const text = r.value;
      let s = 0;
      while (s < text.length) {
        let e = text.indexOf("\n", s);
        if (e === -1) e = text.length;
        const lineNo = ++this.lineNo;
        let line = text.slice(s, e > s && text.charCodeAt(e - 1) === 13 ? e - 1 : e);
        s = e + 1;
        if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1); // UTF-8 byte-order mark
        if (line.startsWith("##")) {
          builder.meta(line, lineNo);
        } else if (line.startsWith("#")) {
          builder.columns(line, lineNo);
          return { header: builder.build(), rest: text, from: s };
        } else if (line.trim() === "") {
          this.warn(`blank:${lineNo}`, `${this.source}:${lineNo}: blank line in the header ignored`);
        } else {
          throw new VcfFormatError(this.source, lineNo, lineNo === 1
            ? `not a VCF file: the first line must be '##fileformat=…' or the '#CHROM' header line, found '${abbreviate(line)}'`
            : `expected a '##' meta line or the '#CHROM' header line, found '${abbreviate(line)}'`);
        }
      }
    }
    if (this.lineNo === 0) throw new VcfFormatError(this.source, undefined, "empty input (no lines)");
    throw new VcfFormatError(this.source, this.lineNo, "input ends before the '#CHROM' header line");
  }
}
