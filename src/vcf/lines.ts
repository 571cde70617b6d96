/**
 * Decompressed bytes → text pieces made of whole lines. Bytes are decoded once per
 * ~32 KiB piece instead of once per line or field; a line that straddles two chunks is
 * glued from the two byte ranges, so no chunk is ever copied whole.
 */
import { isAscii } from "node:buffer";
import { VcfFormatError } from "../errors.js";
import { BCF_UNSUPPORTED, isBcfMagic } from "./sniff.js";

/**
 * Target size of one decoded piece. Strings under V8's 128 KiB large-object limit are
 * born in the young generation and die there once their batch is consumed; 1 MiB pieces
 * cost ~30% more CPU in GC, 256 KiB pieces twice as much (docs/parsing.md).
 */
export const PIECE_BYTES = 32 << 10;

/**
 * Default longest line, in bytes. A line is held whole (bytes, then its string), so this
 * bounds the reader's memory on input without newlines; 64 MiB leaves room for cohort
 * lines of several hundred thousand samples.
 */
export const DEFAULT_MAX_LINE_BYTES = 64 << 20;

/**
 * Yields strings that each hold one or more complete lines (every line ends in `\n`
 * except possibly the very last line of the input). A NUL byte, BCF content or a line
 * longer than `maxLineBytes` raises a {@link VcfFormatError}; `linesDone()` must return
 * how many lines the consumer has processed so far, so the error can name the line.
 */
export async function* decodePieces(
  chunks: AsyncIterable<Buffer>,
  source: string,
  linesDone: () => number,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<string> {
  // Bytes of a line whose end is not read yet, joined once when it ends: appending chunk by
  // chunk copied the line again for every chunk (a 100 MB line in 64 KiB chunks took 13 minutes).
  let rest: Buffer[] = [];
  let restBytes = 0;
  let first = true;
  for await (const buf of chunks) {
    if (first) {
      first = false;
      if (isBcfMagic(buf)) throw new VcfFormatError(source, undefined, BCF_UNSUPPORTED);
    }
    const nul = buf.indexOf(0);
    const limit = nul === -1 ? buf.length : nul;
    let begin = 0;
    if (restBytes > 0) {
      const nl = buf.indexOf(10);
      if (nl === -1 || nl >= limit) {
        rest.push(buf.subarray(0, limit));
        restBytes += limit;
        if (restBytes > maxLineBytes) throw tooLong(source, linesDone() + 1, maxLineBytes);
        if (nul !== -1) throw binary(source, linesDone());
        continue;
      }
      if (restBytes + nl > maxLineBytes) throw tooLong(source, linesDone() + 1, maxLineBytes);
      rest.push(buf.subarray(0, nl + 1));
      yield decode(Buffer.concat(rest, restBytes + nl + 1));
      rest = [];
      restBytes = 0;
      begin = nl + 1;
    }
    const last = limit > begin ? buf.lastIndexOf(10, limit - 1) : -1;
    while (last >= begin) {
      // Cut at a newline near PIECE_BYTES so each string stays small (young-generation GC).
      let stop = last;
      if (last - begin >= PIECE_BYTES) {
        stop = buf.lastIndexOf(10, begin + PIECE_BYTES - 1);
        if (stop < begin) stop = buf.indexOf(10, begin + PIECE_BYTES);
      }
      if (stop - begin > maxLineBytes) checkLineLengths(buf, begin, stop, source, linesDone(), maxLineBytes);
      yield decode(buf.subarray(begin, stop + 1));
      begin = stop + 1;
    }
    if (nul !== -1) throw binary(source, linesDone());
    if (begin < buf.length) {
      rest.push(buf.subarray(begin));
      restBytes = buf.length - begin;
      if (restBytes > maxLineBytes) throw tooLong(source, linesDone() + 1, maxLineBytes);
    }
  }
  if (restBytes > 0) yield decode(Buffer.concat(rest, restBytes));
}

/** Throws for the first line of `buf[begin, stop)` (lines end in `\n`) longer than `max`. */
function checkLineLengths(buf: Buffer, begin: number, stop: number, source: string, linesDone: number, max: number): void {
  let line = linesDone + 1;
  for (let s = begin; s < stop; line++) {
    let e = buf.indexOf(10, s);
    if (e === -1 || e > stop) e = stop;
    if (e - s > max) throw tooLong(source, line, max);
    s = e + 1;
  }
}

function tooLong(source: string, line: number, max: number): VcfFormatError {
  const size = max >= 1 << 20 ? `${max / (1 << 20)} MiB` : `${max} bytes`;
  return new VcfFormatError(source, line, `line is longer than ${size} (no newline within ${max} bytes): not a VCF file, or raise ReadOptions.maxLineBytes`);
}

/**
 * ASCII text (nearly all VCF) is decoded as latin1, which here runs ~10× faster than
 * the UTF-8 decoder and gives the same string; anything else takes the UTF-8 path.
 */
function decode(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
}

function binary(source: string, linesDone: number): VcfFormatError {
  return new VcfFormatError(source, linesDone + 1, "binary data (NUL byte): this is not a text VCF file");
}
