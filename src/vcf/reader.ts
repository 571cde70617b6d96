/**
 * The public entry points: {@link openVcf} (path or `-`) and {@link openVcfStream}
 * (any Readable). Both read and validate the header before returning, then stream
 * variants in batches with memory bounded by one decoded chunk.
 */
import { constants } from "node:buffer";
import type { Readable } from "node:stream";
import { ConfigError, VcfAgentError } from "../errors.js";
import type { VcfHeader } from "./types.js";
import { openPathBytes, openStreamBytes, type ByteSource } from "./open.js";
import { DEFAULT_MAX_LINE_BYTES, decodePieces } from "./lines.js";
import { HeaderReader } from "./header-read.js";
import { InfoTyper } from "./info.js";
import { OrderTracker } from "./order.js";
import { RecordParser, type InvalidPolicy } from "./record.js";
import { ReaderCounters, type ReaderStats } from "./stats.js";
import { rebatch } from "./rebatch.js";
import { REGION_HINT } from "./region.js";
import type { RecordContext, VcfVariant } from "./variant.js";

/** Options of {@link openVcf} and {@link openVcfStream}. */
export interface ReadOptions {
  /**
   * Read only this region: `chr17:43044295-43125483`, `17`, `17:100-` (1-based, inclusive).
   * Needs a bgzip-compressed file with a `.tbi` or `.csi` index next to it (or `indexPath`).
   */
  region?: string;
  /** With `region`: only records that start in it, as the shards of one file need (each record in one shard). */
  regionStartsWithin?: boolean;
  /** Index file for `region` when it is not `FILE.tbi` / `FILE.csi`. */
  indexPath?: string;
  /**
   * `"error"` (default): a data line that cannot be read throws {@link VcfFormatError}
   * (`file:line: reason`). `"skip"`: it is counted in `stats.skippedInvalid` (first 20
   * messages kept) and reading goes on; variants already yielded are unaffected.
   */
  onInvalid?: InvalidPolicy;
  /**
   * Longest line accepted, in bytes (default {@link DEFAULT_MAX_LINE_BYTES}, 64 MiB). A line
   * is held whole while it is read, so this bounds memory on input without newlines; a
   * longer line throws {@link VcfFormatError} naming it.
   */
  maxLineBytes?: number;
  /** Aborts reading between chunks. */
  signal?: AbortSignal;
}

const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;

/** Batch size of the per-variant iterator. */
const ITERATOR_BATCH = 1024;

/**
 * Opens a VCF file (plain, gzip or bgzip — detected from the bytes) or `-` for stdin,
 * and reads its header.
 * @throws VcfFormatError for an empty, binary, BCF, bzip2, truncated or header-less input.
 * @example
 * const reader = await openVcf("calls.vcf.gz");
 * for await (const batch of reader.batches(500)) for (const v of batch) console.log(v.variantId, v.info("CLNSIG"));
 */
export async function openVcf(input: string, options: ReadOptions = {}): Promise<VcfReader> {
  checkOptions(options);
  if (options.region !== undefined && input === "-") {
    throw new VcfAgentError(`<stdin>: region '${options.region}': cannot read a region from stdin; ${REGION_HINT}`, "VCF_REGION");
  }
  const bytes = await openPathBytes(input);
  return VcfReader.open(bytes, input === "-" ? undefined : input, options);
}

/**
 * Reads a VCF from any byte stream (`name` is used in messages). Regions need a file,
 * so `options.region` is rejected here.
 */
export async function openVcfStream(readable: Readable, name: string, options: ReadOptions = {}): Promise<VcfReader> {
  checkOptions(options);
  if (options.region !== undefined) {
    throw new VcfAgentError(`${name}: region '${options.region}': cannot read a region from a stream; ${REGION_HINT}`, "VCF_REGION");
  }
  return VcfReader.open(await openStreamBytes(readable, name), undefined, options);
}

/** A streaming VCF reader. Iterate it once, with {@link VcfReader.batches} or `for await`. */
export class VcfReader {
  private consumed = false;
  private closed = false;

  private constructor(
    /** Display name used in messages (`<stdin>` for `-`). */
    readonly source: string,
    /** The parsed header. */
    readonly header: VcfHeader,
    private readonly counters: ReaderCounters,
    private readonly produce: () => AsyncGenerator<VcfVariant[]>,
    private readonly release: () => void,
  ) {}

  /** @internal Reads the header from `bytes` and prepares the variant stream. */
  static async open(bytes: ByteSource, path: string | undefined, options: ReadOptions): Promise<VcfReader> {
    const source = bytes.source;
    let regionBytes = (): number => 0;
    const counters = new ReaderCounters(() => ({ read: bytes.bytesRead + regionBytes(), total: bytes.totalBytes }));
    const warn = (key: string, message: string): void => counters.warn(key, message);
    const headerReader = new HeaderReader(source, warn);
    let parser: RecordParser | undefined;
    const linesDone = (): number => parser?.lineNo ?? headerReader.lineNo;
    const pieces = decodePieces(bytes.chunks(linesDone, options.signal), source, linesDone, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    try {
      if (options.region !== undefined && bytes.compression !== "bgzf") {
        const what = bytes.compression === "gzip" ? "gzip- but not bgzip-compressed" : "not compressed";
        throw new VcfAgentError(`${source}: region '${options.region}': the file is ${what}; ${REGION_HINT}`, "VCF_REGION");
      }
      const head = await headerReader.read(pieces);
      const ctx: RecordContext = { source, header: head.header, typer: new InfoTyper(head.header.info, source, warn), warn };
      const p = new RecordParser(ctx, counters, new OrderTracker(source, warn), options.onInvalid ?? "error");
      p.lineNo = headerReader.lineNo;
      parser = p;
      if (options.region === undefined) {
        const produce = async function* (): AsyncGenerator<VcfVariant[]> {
          yield* parseDelivering(p, head.rest, head.from);
          for await (const text of pieces) yield* parseDelivering(p, text, 0);
        };
        const release = (): void => {
          void pieces.return(undefined).catch(() => undefined);
          bytes.close();
        };
        return new VcfReader(source, head.header, counters, produce, release);
      }
      // The header came from the stream; the records come from the index.
      await pieces.return(undefined);
      bytes.close();
      // Loaded here: the index readers (@gmod/tabix) cost ~30 ms of start-up that whole-file reads never need.
      const { prepareRegionRead } = await import("./region-read.js");
      const region = await prepareRegionRead({
        path: path ?? source,
        source,
        region: options.region,
        indexPath: options.indexPath,
        header: head.header,
        parser: p,
        warn,
        signal: options.signal,
        startsWithin: options.regionStartsWithin,
      });
      regionBytes = region.bytesRead;
      return new VcfReader(source, head.header, counters, region.produce, () => undefined);
    } catch (err) {
      bytes.close();
      throw err;
    }
  }

  /** Live counters (records, variants, skips, warnings, bytes). */
  get stats(): ReaderStats {
    return this.counters;
  }

  /**
   * Variants in arrays of `size` (the last may be shorter): one Variant per ALT allele
   * after multi-allelic splitting; reference-only sites and gVCF `<*>`/`<NON_REF>`
   * alleles are skipped (counted in `stats.skippedReferenceOnly`). On a bad line the
   * variants before it are delivered, then the error is thrown.
   */
  async *batches(size: number): AsyncGenerator<VcfVariant[]> {
    if (!Number.isSafeInteger(size) || size < 1) throw new ConfigError("batchSize", `must be a positive integer, got ${String(size)}`);
    this.claim();
    try {
      yield* rebatch(this.produce(), size);
    } finally {
      await this.close();
    }
  }

  /** One variant at a time (batched underneath). */
  async *[Symbol.asyncIterator](): AsyncGenerator<VcfVariant> {
    for await (const batch of this.batches(ITERATOR_BATCH)) yield* batch;
  }

  /** Stops reading and releases the input. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  private claim(): void {
    if (this.consumed) throw new VcfAgentError(`${this.source}: this reader was already iterated; open the file again`, "USAGE");
    if (this.closed) throw new VcfAgentError(`${this.source}: this reader is closed`, "USAGE");
    this.consumed = true;
  }
}

/** Parses one piece; on an error, the variants before the bad line are delivered first. */
function* parseDelivering(parser: RecordParser, text: string, from: number): Generator<VcfVariant[]> {
  const out: VcfVariant[] = [];
  let failure: unknown;
  try {
    parser.parsePiece(text, from, out);
  } catch (err) {
    failure = err;
  }
  if (out.length > 0) yield out;
  if (failure !== undefined) throw failure;
}

function checkOptions(options: ReadOptions): void {
  const { onInvalid, region, indexPath, maxLineBytes } = options;
  // A JS string holds at most MAX_STRING_LENGTH characters, and a line becomes one string.
  if (maxLineBytes !== undefined && (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1 || maxLineBytes > MAX_STRING_LENGTH)) {
    throw new ConfigError("maxLineBytes", `must be an integer from 1 to ${MAX_STRING_LENGTH}, got ${String(maxLineBytes)}`);
  }
  if (onInvalid !== undefined && onInvalid !== "error" && onInvalid !== "skip") {
    throw new ConfigError("onInvalid", `must be "error" or "skip", got ${JSON.stringify(onInvalid)}`);
  }
  if (region !== undefined && (typeof region !== "string" || region.trim() === "")) {
    throw new ConfigError("region", `must be a non-empty string like "chr1:100-200", got ${JSON.stringify(region)}`);
  }
  if (indexPath !== undefined && region === undefined) {
    throw new ConfigError("indexPath", "is only used with region");
  }
}
