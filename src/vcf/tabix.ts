/**
 * Region reads through a tabix (.tbi) or CSI index with @gmod/tabix. `getLines` pushes
 * every line of a range through a callback with no back-pressure, so a large region is
 * read in windows: memory stays bounded even for a whole chromosome of a dense file.
 */
import { access, open, readFile, stat } from "node:fs/promises";
import { gunzipSync, inflateRawSync } from "node:zlib";
import { CSI, TabixIndexedFile, TBI, type VirtualOffset } from "@gmod/tabix";
import { LocalFile, type GenericFilehandle } from "generic-filehandle2";
import { VcfAgentError, VcfFormatError } from "../errors.js";
import { REGION_HINT, type Region } from "./region.js";
import { indexProblem } from "./index-check.js";

export { REGION_HINT };

/** Compressed bytes (per the index) below which a region is read in one go. */
export const WINDOW_BUDGET_BYTES = 4 << 20;
/** Smallest window in bases (the tabix linear-index bin). */
const MIN_WINDOW = 1 << 14;

/** An opened index plus the file handle whose bytes are counted. */
export interface TabixSource {
  readonly file: TabixIndexedFile;
  /** The data file's path. */
  readonly path: string;
  readonly indexKind: "TBI" | "CSI";
  readonly indexPath: string;
  /** `file (region R)`: where errors of this read point. */
  readonly label: string;
  /** Compressed bytes fetched from the data file so far. */
  bytesRead(): number;
}

/**
 * Finds the index (`indexPath`, else `FILE.tbi`, else `FILE.csi`) and opens it.
 * @throws VcfAgentError (`VCF_REGION`) when there is no index.
 */
export async function openTabix(path: string, region: string, indexPath?: string): Promise<TabixSource> {
  const candidates = indexPath !== undefined ? [indexPath] : [`${path}.tbi`, `${path}.csi`];
  let found: string | undefined;
  for (const c of candidates) {
    if (await exists(c)) {
      found = c;
      break;
    }
  }
  if (found === undefined) {
    const looked = candidates.join(" or ");
    throw new VcfAgentError(`${path}: region '${region}': no index found (looked for ${looked}); ${REGION_HINT}`, "VCF_REGION");
  }
  const kind = await indexMagic(found, path, region);
  const label = `${path} (region ${region})`;
  await checkIndex(found, kind, path, label);
  const data = new CountingFile(new LocalFile(path));
  const csi = kind === "CSI";
  const file = csi
    ? new TabixIndexedFile({ filehandle: data, csiFilehandle: new LocalFile(found) })
    : new TabixIndexedFile({ filehandle: data, tbiFilehandle: new LocalFile(found) });
  return { file, path, indexKind: kind, indexPath: found, label, bytesRead: () => data.bytes };
}

/**
 * Where the records that start at or after `start` (1-based) on `chrom` begin in the
 * file: the smallest virtual offset of the index chunks that may hold them (the linear
 * index already drops chunks that end before that position), or null when the index
 * has none. A sequential read from there meets every such record, in file order.
 */
export async function firstRecordOffset(src: TabixSource, chrom: string, start: number): Promise<VirtualOffset | null> {
  const handle = new LocalFile(src.indexPath);
  const index = src.indexKind === "CSI" ? new CSI({ filehandle: handle }) : new TBI({ filehandle: handle });
  const maxEnd = (await tabixCall(src, src.file.getMetadata())).maxRefLength;
  const chunks = await tabixCall(src, index.blocksForRange(chrom, Math.max(0, start - 1), maxEnd));
  let first: VirtualOffset | null = null;
  for (const c of chunks) if (first === null || c.minv.compareTo(first) < 0) first = c.minv;
  return first;
}

/**
 * Awaits one @gmod/tabix call. Its own errors (inflate failures, impossible index fields,
 * bad BGZF headers — a damaged file or index) become a {@link VcfFormatError} naming the
 * file, the region and the index; aborts and our own errors pass through.
 */
export async function tabixCall<T>(src: TabixSource, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof VcfAgentError || (err instanceof Error && err.name === "AbortError")) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new VcfFormatError(src.label, undefined, `cannot read the file through its index ${src.indexPath} (${msg}); the file or the index is damaged`, { cause: err });
  }
}

/** Window sizing: compressed bytes allowed for a single-shot read, and lines aimed at per window after that. */
export interface WindowPlan {
  readonly budgetBytes: number;
  readonly targetLines: number;
}

const DEFAULT_PLAN: WindowPlan = { budgetBytes: WINDOW_BUDGET_BYTES, targetLines: 20_000 };

/**
 * Yields the data lines of `region`, one array per window, each line once, in file
 * order. `contigLength` (from the header) bounds an open-ended region. A region whose
 * index chunks fit `plan.budgetBytes` is read at once; a larger one in windows whose
 * width follows the observed record density, aiming at `plan.targetLines` per window.
 * (The index's byte estimate is not used to size windows: chunks of long records sit in
 * high-level bins and make every small window look as large as the contig.) Where the
 * density jumps, one window can hold far more than `plan.targetLines`: the shards of a
 * file are read by ./region-read.ts as one sequential stream instead.
 */
export async function* regionLines(
  src: TabixSource,
  region: Region,
  contigLength: number | undefined,
  signal?: AbortSignal,
  plan: WindowPlan = DEFAULT_PLAN,
): AsyncGenerator<string[]> {
  const { file } = src;
  const maxEnd = (await tabixCall(src, file.getMetadata())).maxRefLength;
  const endExcl = Math.min(region.end ?? contigLength ?? maxEnd, maxEnd);
  const chrom = region.chrom;
  let ws = region.start - 1;
  const total = await tabixCall(src, file.bytesForRegions([{ refName: chrom, start: ws, end: endExcl }]));
  if (total === 0) return;
  let width = total <= plan.budgetBytes ? endExcl - ws : Math.max(MIN_WINDOW, Math.floor(((endExcl - ws) * plan.budgetBytes) / total));
  let first = true;
  while (ws < endExcl) {
    signal?.throwIfAborted();
    const we = Math.min(endExcl, ws + width);
    const lines: string[] = [];
    // Later windows drop records that start before them: those overlapped an earlier window and were emitted there.
    const lowest = first ? Number.NEGATIVE_INFINITY : ws;
    const lineCallback = (line: string, _offset: number, start0: number): void => {
      if (start0 >= lowest) lines.push(line);
    };
    await tabixCall(src, file.getLines(chrom, ws, we, signal === undefined ? { lineCallback } : { lineCallback, signal }));
    if (lines.length > 0) yield lines;
    first = false;
    ws = we;
    if (ws >= endExcl) return;
    if (lines.length === 0 && (await tabixCall(src, file.bytesForRegions([{ refName: chrom, start: ws, end: endExcl }]))) === 0) return;
    width = Math.max(MIN_WINDOW, Math.min(width * 8, Math.floor((width * plan.targetLines) / Math.max(lines.length, 1))));
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Reads the magic of a BGZF-compressed index (`TBI\1` or `CSI\1`) from its first block. */
async function indexMagic(indexPath: string, path: string, region: string): Promise<"TBI" | "CSI"> {
  const fh = await open(indexPath, "r");
  try {
    const head = Buffer.alloc(1 << 16);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const bsize = bytesRead >= 18 && head[0] === 0x1f && head[1] === 0x8b ? head.readUInt16LE(16) + 1 : 0;
    if (bsize > 26 && bsize <= bytesRead) {
      const magic = inflateRawSync(head.subarray(18, bsize - 8)).subarray(0, 4).toString("latin1");
      if (magic === "TBI\u0001") return "TBI";
      if (magic === "CSI\u0001") return "CSI";
    }
  } catch {
    // Fall through to the error below: an unreadable index is as good as none.
  } finally {
    await fh.close();
  }
  throw new VcfAgentError(`${path}: region '${region}': ${indexPath} is not a tabix (.tbi) or CSI index; ${REGION_HINT}`, "VCF_REGION");
}

/**
 * Inflates the whole index and bounds-checks it against the data file (see index-check.ts)
 * before @gmod/tabix trusts its counts and offsets.
 * @throws VcfFormatError naming the read (`file (region R)`) and the index.
 */
async function checkIndex(indexPath: string, kind: "TBI" | "CSI", path: string, label: string): Promise<void> {
  let problem: string | undefined;
  try {
    problem = indexProblem(gunzipSync(await readFile(indexPath)), kind, (await stat(path)).size);
  } catch (err) {
    problem = `it does not inflate (${err instanceof Error ? err.message : String(err)})`;
  }
  if (problem !== undefined) {
    throw new VcfFormatError(label, undefined, `the index ${indexPath} is damaged or not this file's: ${problem}; re-create it with \`tabix -p vcf FILE.gz\``);
  }
}

/** Delegates to a file handle and counts the bytes read through it (for progress). */
class CountingFile implements GenericFilehandle {
  bytes = 0;
  constructor(private readonly inner: GenericFilehandle) {}
  async read(length: number, position: number, opts?: Parameters<GenericFilehandle["read"]>[2]): Promise<Uint8Array<ArrayBuffer>> {
    const buf = await this.inner.read(length, position, opts);
    this.bytes += buf.length;
    return buf;
  }
  readFile: GenericFilehandle["readFile"] = ((options?: never) => this.inner.readFile(options)) as GenericFilehandle["readFile"];
  stat(): ReturnType<GenericFilehandle["stat"]> {
    return this.inner.stat();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
