/**
 * The record stream of a region read: the index is opened, the region resolved against
 * the indexed and declared contigs, and each window's lines go through the same record
 * parser as a full read.
 */
import type { VcfHeader } from "./types.js";
import type { WarnFn } from "./header.js";
import type { RecordParser } from "./record.js";
import type { VcfVariant } from "./variant.js";
import { parseRegion } from "./region.js";
import { openTabix, regionLines, tabixCall } from "./tabix.js";

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
  const produce = async function* (): AsyncGenerator<VcfVariant[]> {
    if (!known) return;
    for await (const lines of regionLines(tabix, region, contigLength, a.signal, undefined, a.startsWithin === true)) yield* parseLines(a.parser, lines);
  };
  return { produce, bytesRead: () => tabix.bytesRead() };
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
