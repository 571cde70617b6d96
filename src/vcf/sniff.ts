/**
 * Input format detection from magic bytes. The file name is never trusted: a `.vcf.gz`
 * may be plain text and a `.vcf` may be BGZF.
 */

/** How the bytes of an input are compressed. `bgzf` is gzip with the BGZF extra field (bgzip). */
export type Compression = "plain" | "gzip" | "bgzf";

/** Result of sniffing the first bytes of an input. */
export type Sniffed =
  | { readonly kind: "ok"; readonly compression: Compression }
  | { readonly kind: "unsupported"; readonly reason: string };

/** Bytes needed to tell BGZF from plain gzip (the BGZF `BC` subfield sits at offsets 12–13). */
export const SNIFF_BYTES = 18;

const BCF_REASON = "BCF is not supported; convert with `bcftools view -Oz`";

/**
 * Classifies an input from its first bytes (at least {@link SNIFF_BYTES} unless the input is shorter).
 * @example sniffCompression(Buffer.from([0x1f, 0x8b, 8, 4])) // { kind: "ok", compression: "gzip" }
 */
export function sniffCompression(head: Uint8Array): Sniffed {
  const b = head;
  if (b[0] === 0x1f && b[1] === 0x8b) {
    // FEXTRA flag set and the first subfield is 'B','C' → BGZF (SAM/BAM spec §4.1).
    const bgzf = ((b[3] ?? 0) & 4) !== 0 && b[12] === 0x42 && b[13] === 0x43;
    return { kind: "ok", compression: bgzf ? "bgzf" : "gzip" };
  }
  if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) {
    return { kind: "unsupported", reason: "bzip2-compressed input is not supported; recompress with `bgzip`" };
  }
  if (b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a && b[5] === 0x00) {
    return { kind: "unsupported", reason: "xz-compressed input is not supported; recompress with `bgzip`" };
  }
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) {
    return { kind: "unsupported", reason: "zstd-compressed input is not supported; recompress with `bgzip`" };
  }
  if (isBcfMagic(b)) return { kind: "unsupported", reason: BCF_REASON };
  return { kind: "ok", compression: "plain" };
}

/** True when decompressed bytes start like a BCF file (`BCF\2` or `BCF\4`). */
export function isBcfMagic(b: Uint8Array): boolean {
  return b[0] === 0x42 && b[1] === 0x43 && b[2] === 0x46 && (b[3] === 2 || b[3] === 4);
}

/** The message used whenever BCF content is found. */
export const BCF_UNSUPPORTED = BCF_REASON;
