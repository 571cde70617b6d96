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
 * Yields strings that each hold one or more complete lines (every line ends in `\n`
 * except possibly the very last line of the input). A NUL byte or BCF content raises a
 * {@link VcfFormatError}; `linesDone()` must return how many lines the consumer has
 * processed so far, so the error can name the line with the NUL.
 */
export async function* decodePieces(
  chunks: AsyncIterable<Buffer>,
  source: string,
  linesDone: () => number,
): AsyncGenerator<string> {
  let rest: Buffer | undefined; // bytes of a line whose end is not read yet
  let first = true;
  for await (const buf of chunks) {
    if (first) {
      first = false;
      if (isBcfMagic(buf)) throw new VcfFormatError(source, undefined, BCF_UNSUPPORTED);
    }
    const nul = buf.indexOf(0);
    const limit = nul === -1 ? buf.length : nul;
    let begin = 0;
    if (rest !== undefined) {
      const nl = buf.indexOf(10);
      if (nl === -1 || nl >= limit) {
        rest = Buffer.concat([rest, buf.subarray(0, limit)]);
        if (nul !== -1) throw binary(source, linesDone());
        continue;
      }
      yield decode(Buffer.concat([rest, buf.subarray(0, nl + 1)]));
      rest = undefined;
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
      yield decode(buf.subarray(begin, stop + 1));
      begin = stop + 1;
    }
    if (nul !== -1) throw binary(source, linesDone());
    if (begin < buf.length) rest = buf.subarray(begin);
  }
  if (rest !== undefined && rest.length > 0) yield decode(rest);
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
