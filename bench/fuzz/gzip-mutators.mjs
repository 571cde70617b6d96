// Damage below the text: gzip and BGZF streams with flipped bytes (member headers, deflate
// data, CRC, ISIZE, BSIZE), truncation, extra or empty members, missing EOF block, blocks
// swapped or repeated, trailing garbage. Also the region case: a BGZF file and its index,
// either of them damaged, read through a region.
import { BGZF_EOF, bgzf, bgzfBlock, gzipMember } from "./containers.mjs";
import { seedLines } from "./seeds.mjs";

/** Offsets of the members of a BGZF stream made by bgzf(): each block's start. */
function blockStarts(b) {
  const starts = [];
  for (let at = 0; at + 18 <= b.length; ) {
    starts.push(at);
    at += b.readUInt16LE(at + 16) + 1;
  }
  return starts;
}

function flip(rng, b, from, to, n) {
  const out = Buffer.from(b);
  if (to <= from) return out;
  for (let i = 0; i < n; i++) {
    const at = from + rng.int(to - from);
    out[at] = rng.chance(0.5) ? out[at] ^ (1 << rng.int(8)) : rng.int(256);
  }
  return out;
}

/** A gzip or BGZF encoding of `text`, then one kind of damage (some kinds leave it valid). */
export function gzipCorrupt(rng, text) {
  const useBgzf = rng.chance(0.6);
  const blockSize = rng.pick([0xff00, 0xff00, 4096, 512, 100]);
  const level = rng.pick([0, 1, 6, 9]);
  const enc = useBgzf ? bgzf(text, { blockSize, level }) : gzipMember(text, level);
  const kind = useBgzf ? "bgzf" : "gzip";
  const starts = useBgzf ? blockStarts(enc) : [0];
  const member = rng.pick(starts);
  const op = rng.int(13);
  switch (op) {
    case 0:
      return { bytes: flip(rng, enc, 0, enc.length, rng.range(1, 16)), note: `${kind}: bytes flipped anywhere` };
    case 1:
      return { bytes: flip(rng, enc, member, Math.min(enc.length, member + 18), rng.range(1, 3)), note: `${kind}: member header at ${member} damaged` };
    case 2: {
      // The CRC and ISIZE trailer of one member.
      const end = useBgzf ? member + enc.readUInt16LE(member + 16) + 1 : enc.length;
      return { bytes: flip(rng, enc, Math.max(0, end - 8), end, rng.range(1, 4)), note: `${kind}: trailer of member at ${member} damaged` };
    }
    case 3:
      return { bytes: enc.subarray(0, rng.int(enc.length)), note: `${kind}: truncated` };
    case 4:
      return { bytes: useBgzf ? enc.subarray(0, enc.length - BGZF_EOF.length) : enc, note: `${kind}: no EOF block (valid)` };
    case 5: {
      const cut = rng.int(text.length + 1);
      return { bytes: Buffer.concat([gzipMember(text.subarray(0, cut)), bgzf(text.subarray(cut))]), note: `gzip + bgzf members split at text byte ${cut} (valid)` };
    }
    case 6:
      return { bytes: Buffer.concat([enc, Buffer.from(rng.pick(["garbage", "\x1f", "\x1f\x8b", "\x1f\x8b\x08\x00\x00"]), "latin1")]), note: `${kind}: trailing bytes` };
    case 7: {
      const at = rng.pick(starts);
      return { bytes: Buffer.concat([enc.subarray(0, at), rng.chance(0.5) ? BGZF_EOF : gzipMember(Buffer.alloc(0)), enc.subarray(at)]), note: `${kind}: empty member inserted at ${at} (valid)` };
    }
    case 8: {
      if (!useBgzf) return { bytes: flip(rng, enc, 10, Math.min(enc.length, 40), 2), note: "gzip: start of deflate data damaged" };
      const out = Buffer.from(enc);
      out.writeUInt16LE(rng.int(0x10000), member + 16);
      return { bytes: out, note: `bgzf: BSIZE of block at ${member} changed` };
    }
    case 9: {
      if (starts.length < 2) return { bytes: Buffer.concat([enc, enc]), note: `${kind}: stream repeated (valid gzip, header twice)` };
      const i = rng.int(starts.length - 1);
      const a = enc.subarray(starts[i], starts[i + 1]);
      const next = starts[i + 2] ?? enc.length;
      const b = enc.subarray(starts[i + 1], next);
      return { bytes: Buffer.concat([enc.subarray(0, starts[i]), b, a, enc.subarray(next)]), note: `bgzf: blocks ${i} and ${i + 1} swapped` };
    }
    case 10: {
      const out = Buffer.from(enc);
      // FLG: FTEXT/FHCRC/FEXTRA/FNAME/FCOMMENT bits set without the fields they announce.
      out[member + 3] = rng.pick([0x02, 0x08, 0x10, 0x1e, 0xe0, 0x04]);
      return { bytes: out, note: `${kind}: FLG of member at ${member} = ${out[member + 3]}` };
    }
    case 11: {
      const out = Buffer.from(enc);
      const cdataStart = member + (useBgzf ? 18 : 10);
      if (cdataStart < out.length) out.fill(0, cdataStart, Math.min(out.length, cdataStart + rng.range(1, 64)));
      return { bytes: out, note: `${kind}: deflate data zeroed at ${cdataStart}` };
    }
    default: {
      const line = Buffer.from(`${rng.pick(["1", "chr1", "X"])}\t${rng.range(1, 1e6)}\t.\tA\tC\t.\t.\t.\n`);
      return { bytes: Buffer.concat([enc, bgzfBlock(line)]), note: `${kind}: a record block after the end (valid)` };
    }
  }
}

/** Region strings for a seed: its records' contigs and positions, an unknown contig, and malformed ones. */
function regionFor(rng, seed) {
  const recs = seedLines(seed).body.filter((l) => l.length > 0);
  const r = recs.length > 0 ? rng.pick(recs).toString("latin1").split("\t") : ["1", "1"];
  const chrom = r[0] ?? "1";
  const pos = Number(r[1]) || 1;
  return rng.pick([
    chrom, `${chrom}:${pos}-${pos + rng.int(100000)}`, `${chrom}:${pos}-`, `${chrom}:${pos}`, `{${chrom}}:1-${pos}`,
    `${chrom}:1,000-2,000`, "nosuchcontig", `${chrom}:${pos}-1`, `${chrom}:0-5`, ":1-2", "{x", `${chrom}:a-b`, `${chrom}:1-99999999999999999999`,
  ]);
}

/** A region read of an indexed BGZF seed whose data (compressed or re-encoded text) or index is damaged. */
export function regionCase(rng, seed, mutateText) {
  let bytes = seed.raw;
  let index = seed.index.bytes;
  const op = rng.int(5);
  let note;
  if (op === 0) {
    bytes = flip(rng, bytes, 0, bytes.length, rng.range(1, 8));
    note = "data bytes flipped";
  } else if (op === 1) {
    bytes = bytes.subarray(0, rng.int(bytes.length));
    note = "data truncated";
  } else if (op === 2) {
    const m = mutateText(rng, seed);
    bytes = bgzf(m.text);
    note = `text re-encoded after ${m.note} (old index)`;
  } else if (op === 3) {
    index = flip(rng, index, 0, index.length, rng.range(1, 8));
    note = "index bytes flipped";
  } else {
    index = index.subarray(0, rng.int(index.length));
    note = "index truncated";
  }
  return { bytes, index: { ext: seed.index.ext, bytes: index }, region: regionFor(rng, seed), note };
}
