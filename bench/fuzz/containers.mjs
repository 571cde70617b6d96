// Byte containers for fuzz inputs: gzip and BGZF encoders written here (not shelling out to
// bgzip) so every member, block size and trailer can be chosen and then damaged on purpose.
import { crc32, deflateRawSync, gunzipSync } from "node:zlib";

/** The 28-byte empty BGZF block that marks a complete bgzip file (SAM spec §4.1.2). */
export const BGZF_EOF = Buffer.from("1f8b08040000000000ff0600424302001b0003000000000000000000", "hex");

/** Largest uncompressed payload bgzip puts in one block. */
export const BGZF_BLOCK = 0xff00;

/** One gzip member (RFC 1952) of `data`; `level` 0 gives stored blocks. */
export function gzipMember(data, level = 6) {
  const head = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  return Buffer.concat([head, deflateRawSync(data, { level }), trailer(data)]);
}

/** One BGZF block of `data` (at most 64 KiB compressed): a gzip member with the `BC` extra field. */
export function bgzfBlock(data, level = 6) {
  const cdata = deflateRawSync(data, { level });
  const head = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0, 0, 0]);
  head.writeUInt16LE(Math.min(0xffff, head.length + cdata.length + 8 - 1), 16);
  return Buffer.concat([head, cdata, trailer(data)]);
}

/** `data` as bgzip writes it: blocks of `blockSize` bytes and, unless `eof` is false, the EOF block. */
export function bgzf(data, { blockSize = BGZF_BLOCK, eof = true, level = 6 } = {}) {
  const parts = [];
  for (let i = 0; i < data.length; i += blockSize) parts.push(bgzfBlock(data.subarray(i, i + blockSize), level));
  if (eof) parts.push(BGZF_EOF);
  return Buffer.concat(parts);
}

function trailer(data) {
  const t = Buffer.alloc(8);
  t.writeUInt32LE(crc32(data) >>> 0, 0);
  t.writeUInt32LE(data.length >>> 0, 4);
  return t;
}

/** True when `b` starts with the gzip magic. */
export function isGzip(b) {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** The decompressed bytes of a gzip/BGZF seed, or `b` itself when it is not gzip or does not inflate. */
export function plainBytes(b) {
  if (!isGzip(b)) return b;
  try {
    return gunzipSync(b);
  } catch {
    return b;
  }
}

/** Length in bytes of the longest line of `b` (the memory a line-by-line reader must hold at once). */
export function longestLine(b) {
  let best = 0;
  let s = 0;
  for (;;) {
    const nl = b.indexOf(10, s);
    const e = nl === -1 ? b.length : nl;
    if (e - s > best) best = e - s;
    if (nl === -1) return best;
    s = nl + 1;
  }
}
