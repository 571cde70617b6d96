/**
 * The record stream of a region read: the index is opened, the region resolved against
 * the indexed and declared contigs, and the region's lines go through the same record
 * parser as a full read.
 *
 * Two ways to read: a region of records that *overlap* it (`--region`) is read through
 * @gmod/tabix in windows (./tabix.ts); a region of records that *start* in it (the shards
 * of one file) is read as htslib's iterator reads: from the index's first chunk for the
 * region's start, one sequential stream of BGZF blocks, inflated and cut into lines like a
 * whole-file read, stopped at the first record past the region. That stream keeps one
 * read-ahead of memory whatever the region's size or density; the windows, sized from the
 * previous window's density, could take in most of a shard at once where the density jumps
 * (725,000 parsed records held at once in a 860,000-record shard; docs/scale.md).
 */
import { createReadStream } from "node:fs";
import type { VcfHeader } from "./types.js";
import type { WarnFn } from "./header.js";
import type { RecordParser } from "./record.js";
import type { VcfVariant } from "./variant.js";
import { parseRegion, type Region } from "./region.js";
import { firstRecordOffset, openTabix, regionLines, tabixCall } from "./tabix.js";
import { openStreamBytes, READ_CHUNK_BYTES, type ByteSource } from "./open.js";
import { decodePieces } from "./lines.js";

/** What a region read needs from the reader being opened. */
export interface RegionReadArgs {
  readonly path: string;
  readonly source: string;
  readonly region: string;
  readonly indexPath: string | undefined;
  readonly header: VcfHeader;
  readonly parser: RecordParser;
  readonly warn: WarnFn;
  readonly signal: AbortSignal | undefined;
  /** Only records that start in the region (shards); default: every record overlapping it. */
  readonly startsWithin?: boolean | undefined;
}

/** A prepared region read: the variant producer and the compressed bytes it fetched so far. */
export interface RegionRead {
  readonly produce: () => AsyncGenerator<VcfVariant[]>;
  readonly bytesRead: () => number;
}

/**
 * Opens the index and resolves the region (errors name file and region). A contig the
 * index does not know yields nothing and a warning, as tabix does.
 */
export async function prepareRegionRead(a: RegionReadArgs): Promise<RegionRead> {
  const tabix = await openTabix(a.path, a.region, a.indexPath);
  const indexed = await tabixCall(tabix, tabix.file.getReferenceSequenceNames());
  const region = parseRegion(a.region, a.source, new Set([...indexed, ...a.header.contigs.keys()]));
  a.parser.regionLabel = `${a.source} (region ${a.region})`;
  const known = indexed.includes(region.chrom);
  if (!known) a.warn(`region-contig:${region.chrom}`, `${a.source}: region '${a.region}': contig '${region.chrom}' is not in the index ${tabix.indexPath}; no records`);
  const contigLength = a.header.contigs.get(region.chrom)?.length;
  let stream: ByteSource | undefined;
  const produce = async function* (): AsyncGenerator<VcfVariant[]> {
    if (!known) return;
    if (a.startsWithin === true) {
      const from = await firstRecordOffset(tabix, region.chrom, region.start);
      if (from === null) return;
      stream = await openStreamBytes(createReadStream(a.path, { start: from.blockPosition, highWaterMark: READ_CHUNK_BYTES }), a.source);
      try {
        yield* startsIn(a, region, stream, from.dataPosition);
      } finally {
        stream.close();
      }
      return;
    }
    for await (const lines of regionLines(tabix, region, contigLength, a.signal)) yield* parseLines(a.parser, lines);
  };
  return { produce, bytesRead: () => tabix.bytesRead() + (stream?.bytesRead ?? 0) };
}

/**
 * The records of `bytes` (inflated from a BGZF block boundary, the first `skip` bytes
 * before the first record of interest) that start in `region`, parsed piece by piece.
 * The file is coordinate-sorted (tabix indexes only such files), so the first record on
 * another contig after the region's, or past its end, ends the read.
 */
async function* startsIn(a: RegionReadArgs, region: Region, bytes: ByteSource, skip: number): AsyncGenerator<VcfVariant[]> {
  const chrom = region.chrom;
  const end = region.end ?? Number.POSITIVE_INFINITY;
  let onContig = false;
  for await (const text of decodePieces(skipBytes(bytes.chunks(() => 0, a.signal), skip), a.source, () => 0)) {
    const out: VcfVariant[] = [];
    let failure: unknown;
    let past = false;
    try {
      const n = text.length;
      for (let s = 0; s < n; ) {
        let e = text.indexOf("\n", s);
        if (e === -1) e = n;
        const stop = e > s && text.charCodeAt(e - 1) === 13 ? e - 1 : e;
        if (stop > s && text.charCodeAt(s) !== 35 /* # */) {
          const tab = s + chrom.length;
          if (text.charCodeAt(tab) === 9 && text.startsWith(chrom, s)) {
            onContig = true;
            const pos = positionAt(text, tab + 1, stop);
            if (pos > end) {
              past = true;
              break;
            }
            // A malformed POS (NaN) goes to the parser, which names the record.
            if (!(pos < region.start)) a.parser.parseLine(text, s, stop, 0, out);
          } else if (onContig) {
            past = true;
            break;
          }
        }
        s = e + 1;
      }
    } catch (err) {
      failure = err;
    }
    if (out.length > 0) yield out;
    if (failure !== undefined) throw failure;
    if (past) return;
  }
}

/** The decimal POS that starts at `i` and ends at a tab; NaN when it is not one. */
function positionAt(text: string, i: number, stop: number): number {
  let pos = 0;
  const from = i;
  for (; i < stop; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d === -39 /* tab */) break;
    if (d < 0 || d > 9) return Number.NaN;
    pos = pos * 10 + d;
  }
  return i > from && i < stop ? pos : Number.NaN;
}

/** `chunks` without their first `skip` bytes. */
async function* skipBytes(chunks: AsyncIterable<Buffer>, skip: number): AsyncGenerator<Buffer> {
  let left = skip;
  for await (const buf of chunks) {
    if (left >= buf.length) {
      left -= buf.length;
      continue;
    }
    yield left > 0 ? buf.subarray(left) : buf;
    left = 0;
  }
}

/** Parses one window's lines; on an error, the variants before the bad line are delivered first. */
function* parseLines(parser: RecordParser, lines: readonly string[]): Generator<VcfVariant[]> {
  const out: VcfVariant[] = [];
  let failure: unknown;
  try {
    for (const line of lines) {
      const end = line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
      if (end > 0) parser.parseLine(line, 0, end, 0, out);
    }
  } catch (err) {
    failure = err;
  }
  if (out.length > 0) yield out;
  if (failure !== undefined) throw failure;
}
