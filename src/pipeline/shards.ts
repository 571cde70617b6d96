/**
 * Splitting one indexed VCF into shards of roughly equal compressed size, by its tabix/CSI
 * index: whole contigs, and large contigs cut by position. Each shard is a region whose
 * records are those that *start* in it, so the shards of a file hold every record once.
 */
import { stat } from "node:fs/promises";
import { VcfAgentError } from "../errors.js";
import { openTabix, tabixCall, type TabixSource } from "../vcf/tabix.js";

/** One unit of work: a region of the input and the compressed bytes the index attributes to it. */
export interface Shard {
  /** 1-based inclusive region, open-ended for the last piece of a contig: `17:1-41000000`, `17:41000001-`. */
  readonly region: string;
  readonly bytes: number;
}

/** The index's linear-index bin: cuts closer than this cannot be told apart. */
const BIN = 1 << 14;

/**
 * About `count` shards of `path`, in file order; fewer when the file has little data.
 * @throws VcfAgentError "USAGE" when the input cannot be split (stdin, no index), saying what to do.
 */
export async function planShards(path: string, count: number): Promise<Shard[]> {
  if (path === "-") throw new VcfAgentError("a sharded ingest (--workers, --queue) needs a file: standard input cannot be split; ingest it without those options", "USAGE");
  await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new VcfAgentError(`${path}: ${e.code === "ENOENT" ? "no such file" : e.message}`, "VCF_IO");
  });
  let src: TabixSource;
  try {
    src = await openTabix(path, "(whole file)");
  } catch (e) {
    throw new VcfAgentError(
      `${path}: a sharded ingest (--workers, --queue) splits the file by its tabix or CSI index, and there is none: run \`bgzip FILE && tabix -p vcf FILE.gz\` (a plain or gzip file must be bgzipped first), or ingest without --workers or --queue`,
      "USAGE",
      { cause: e },
    );
  }
  const file = src.file;
  const refs = await tabixCall(src, file.getReferenceSequenceNames());
  const maxEnd = (await tabixCall(src, file.getMetadata())).maxRefLength;
  const bytesIn = (refName: string, start: number, end: number) => tabixCall(src, file.bytesForRegions([{ refName, start, end }]));
  const contigs: { name: string; extent: number; bytes: number }[] = [];
  for (const name of refs) {
    const bytes = await bytesIn(name, 0, maxEnd);
    if (bytes === 0) continue;
    contigs.push({ name, extent: await lastDataPosition(name, maxEnd, bytesIn), bytes });
  }
  const total = contigs.reduce((a, c) => a + c.bytes, 0);
  const target = total / Math.max(1, count);
  const shards: Shard[] = [];
  for (const c of contigs) {
    const pieces = Math.max(1, Math.min(Math.round(c.bytes / target), Math.floor(c.extent / BIN)));
    let start = 0;
    for (let i = 1; i <= pieces; i++) {
      const last = i === pieces;
      const end = last ? c.extent : await cutFor(c.name, start, c.extent, c.bytes / pieces, bytesIn);
      if (end <= start) continue;
      shards.push({ region: last ? `${c.name}:${start + 1}-` : `${c.name}:${start + 1}-${end}`, bytes: await bytesIn(c.name, start, last ? maxEnd : end) });
      start = end;
    }
  }
  return shards;
}

type BytesIn = (refName: string, start: number, end: number) => Promise<number>;

/** A position at or past the contig's last record, to one bin. */
async function lastDataPosition(name: string, maxEnd: number, bytesIn: BytesIn): Promise<number> {
  let lo = 0;
  let hi = maxEnd;
  while (hi - lo > BIN) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await bytesIn(name, mid, maxEnd)) > 0) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The end (0-based, exclusive) after `start` at which about `want` bytes lie in [start, end). */
async function cutFor(name: string, start: number, extent: number, want: number, bytesIn: BytesIn): Promise<number> {
  let lo = start + BIN;
  let hi = extent;
  while (hi - lo > BIN) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await bytesIn(name, start, mid)) < want) lo = mid;
    else hi = mid;
  }
  return hi;
}
