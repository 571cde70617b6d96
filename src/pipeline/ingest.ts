/**
 * The ingest pipeline: VCF → batches → descriptions → embeddings → PCA → LanceDB, as
 * pulled async stages. Memory is bounded by the batch sizes (plus the PCA training
 * window), never by the file size. Resumable: see ./checkpoint.ts.
 */
import { performance } from "node:perf_hooks";
import type { SessionConfig } from "../config.js";
import type { EmbeddingProvider } from "../providers/provider.js";
import { createProvider, readyProvider } from "../providers/create.js";
import { VariantEmbeddingService, type OptimizationStats } from "../embedding/service.js";
import type { StageBatch } from "../reduce/stage.js";
import { SCALAR_INDEXES, storageOf, VariantStore, VECTOR_COLUMN, type Filter, type VectorIndexType } from "../store/index.js";
import { VcfAgentError } from "../errors.js";
import { parseRegion, type Region } from "../vcf/region.js";
import { annotationLayout } from "../vcf/annotations/index.js";
import { summarizeVariant, type VariantSummary } from "../vcf/describe.js";
import { openVcf, type VcfReader } from "../vcf/reader.js";
import { SentIds } from "./_id-filter.js";
import { TableWriter } from "./_writer.js";
import { CheckpointStore, identify } from "./checkpoint.js";
import { persistPendingModel, stageForTable } from "./table-stage.js";
import { sampleTrainingVectors } from "./training.js";
import { Breather } from "../util/breather.js";

/** Live figures for progress displays. */
export interface IngestProgress {
  variantsRead: number;
  variantsWritten: number;
  bytesRead: number;
  totalBytes: number | undefined;
  phase: "reading" | "training" | "writing" | "indexing";
}

/** Options of {@link ingestVcf}. */
export interface IngestOptions {
  /** VCF path, or `-` for standard input. */
  readonly input: string;
  readonly config: SessionConfig;
  readonly region?: string;
  readonly onInvalid?: "error" | "skip";
  /** Stops reading; what was committed stays, and the checkpoint records it. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: IngestProgress) => void;
  /** Rows per LanceDB write (one commit each); default {@link DEFAULT_WRITE_ROWS}. */
  readonly writeBatchRows?: number;
  /** Build the indexes after ingest (default true): the level's ANN index and the scalar ones, see {@link buildTableIndexes}. */
  readonly buildIndex?: boolean;
  /** Provider override (tests, embedding servers); default from the config. */
  readonly provider?: EmbeddingProvider;
  /** An open store to write to; default: connect to `config.store`. */
  readonly store?: VariantStore;
  /**
   * This run is one shard of a file split across workers (see ./workers.ts): it reads only the
   * records that start in `region` and owns them. Rows of the region already in the table can
   * only be an earlier attempt's (a retried shard): they are skipped, everything else is
   * appended, so a retry never duplicates a row and shards never conflict on a merge.
   */
  readonly shard?: boolean;
  /**
   * With `shard`: the planner found the table empty and this is the shard's first attempt, so
   * no row of the region can be stored yet: the look-up of the region's stored ids (a scan of
   * the table, costly on object storage) is skipped.
   */
  readonly shardFresh?: boolean;
}

/** What an ingest did, every figure measured. */
export interface IngestSummary {
  readonly source: string;
  readonly table: string;
  readonly uri: string;
  readonly records: number;
  readonly variantsRead: number;
  /** Rows inserted into the table by this run. */
  readonly variantsWritten: number;
  /** Variants already stored (skipped from the checkpoint or found on merge). */
  readonly variantsAlreadyStored: number;
  readonly skippedReferenceOnly: number;
  readonly skippedInvalid: number;
  readonly duplicatesInFile: number;
  readonly resumedFrom: number;
  readonly interrupted: boolean;
  readonly seconds: number;
  readonly variantsPerSecond: number;
  /** Peak resident set of the process so far, MB: the kernel's high-water mark (getrusage), not a sample. */
  readonly peakRssMb: number;
  readonly cacheHitRate: number;
  readonly dims: number;
  readonly varianceRetained: number | null;
  readonly reduction: string;
  readonly tableRows: number;
  readonly index: { type: string; seconds: number } | null;
  /** The scalar indexes (filter columns) built at the end, with the vector index. */
  readonly scalarIndexes: { columns: string[]; seconds: number } | null;
  readonly warnings: number;
  readonly invalidMessages: readonly string[];
  readonly warningMessages: readonly string[];
  /**
   * How the rows were written: plain appends (ids known new), how many of those first
   * looked up ids that may have been stored (unsorted input), and merge-inserts (keyed on variant_id).
   */
  readonly writes: { readonly appends: number; readonly lookups: number; readonly merges: number };
  readonly optimization: OptimizationStats;
}

/**
 * Vectors handed to the output stage (PCA projection) at once. Embedding still runs per
 * streaming batch (one provider call each); the projection's dense pass over the columns
 * all rows share needs blocks of 64 rows to pay: 34k → 45k vectors per CPU-second at 1,024
 * rows per call, no gain at 25 (bench/sparse-projection.mjs, docs/performance.md).
 */
export const PROJECT_ROWS = 256;

/** Default rows per write: see docs/performance.md for the memory/speed measurements behind it. */
export const DEFAULT_WRITE_ROWS = 2048;

/**
 * Ingests one VCF into the variant table. Idempotent (variant_id is the key) and
 * resumable: rerunning after any stop leaves exactly the file's variant set.
 *
 * @example
 * const summary = await ingestVcf({ input: "clinvar.vcf.gz", config: await resolveSessionConfig() });
 * console.log(summary.variantsWritten, summary.variantsPerSecond, summary.peakRssMb);
 */
export async function ingestVcf(options: IngestOptions): Promise<IngestSummary> {
  const t0 = performance.now();
  if (options.store !== undefined) return ingestInto(options.store, options, t0);
  const { config } = options;
  // A store opened here is closed here: a shard worker runs one ingest per shard, and each
  // connection holds LanceDB's caches and file handles until it is closed.
  const store = await VariantStore.connect(config.store.uri, { table: config.store.table, ...storageOf(config) });
  try {
    return await ingestInto(store, options, t0);
  } finally {
    store.close();
  }
}

async function ingestInto(store: VariantStore, options: IngestOptions, t0: number): Promise<IngestSummary> {
  const { config } = options;
  const mem = config.memoryOptimization;
  const provider = await readyProvider(options.provider ?? createProvider(config.embedding, mem));
  // A file can be read twice: sample PCA training vectors across all of it (./training.ts).
  const training =
    options.input === "-"
      ? undefined
      : (size: number) =>
          sampleTrainingVectors(options.input, {
            size,
            provider,
            ...(options.region === undefined ? {} : { region: options.region }),
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          });
  options.onProgress?.({ variantsRead: 0, variantsWritten: 0, bytesRead: 0, totalBytes: undefined, phase: "training" });
  const ts = await stageForTable(store, provider, config, true, training, options.signal);
  const shard = options.shard === true;
  if (shard && options.region === undefined) throw new VcfAgentError("a shard ingest needs a region", "USAGE");
  const reader = await openVcf(options.input, {
    ...(options.region === undefined ? {} : { region: options.region, regionStartsWithin: shard }),
    onInvalid: options.onInvalid ?? "error",
  });
  const service = new VariantEmbeddingService(config, { provider, stage: ts.stage });
  // A shard's progress is kept by whoever planned it; its retry finds its own rows by region instead.
  const sourceId = shard ? null : await identify(options.input, options.region);
  const checkpoints = CheckpointStore.of(store);
  const checkpoint = sourceId && checkpoints ? await checkpoints.load(sourceId) : null;
  const resumeAt = checkpoint?.variantsCommitted ?? 0;
  const rowsAtStart = store.dims === null ? 0 : await store.count();
  // The table holds only this file's committed prefix: a fresh table, or a checkpoint whose row count still matches.
  const exclusive = shard || (resumeAt === 0 ? rowsAtStart === 0 : checkpoint?.exclusive === true && checkpoint.tableRows === rowsAtStart);
  const owned = shard && rowsAtStart > 0 && options.shardFresh !== true ? await idsInRegion(store, parseRegion(options.region as string, reader.source)) : new Set<string>();
  let ownedSkipped = 0;
  const ids = exclusive ? new SentIds() : null;

  const writer = new TableWriter(store, reader.source, options.writeBatchRows ?? DEFAULT_WRITE_ROWS, ids, async (p) => {
    if (sourceId && checkpoints) {
      await checkpoints.save(sourceId, { variantsCommitted: resumeAt + p.committed, complete: false, tableRows: rowsAtStart + p.inserted, exclusive });
    }
  });
  let toSkip = resumeAt;
  let read = 0;
  const progress = (phase: IngestProgress["phase"]): void =>
    options.onProgress?.({ variantsRead: read, variantsWritten: writer.counts.inserted, bytesRead: reader.stats.bytesRead, totalBytes: reader.stats.totalBytes, phase });
  // Embedded rows wait here until PROJECT_ROWS are ready for the output stage.
  let heldRows: VariantSummary[] = [];
  let heldVectors: Float32Array[] = [];
  const release = async (batches: readonly StageBatch[]): Promise<void> => {
    for (const out of batches) {
      await persistPendingModel(ts);
      await writer.add(out.tag as VariantSummary[], out.vectors);
    }
  };
  const project = async (): Promise<void> => {
    if (heldRows.length === 0) return;
    const batch = service.outputStage.push(heldVectors, heldRows);
    heldRows = [];
    heldVectors = [];
    await release(batch);
  };
  // Rows go to the provider in windows of at least its request window (a remote provider's
  // batchSize × concurrency), so its requests leave full and together; the streaming batch
  // stays the unit of reading. While one window is embedded the next is read, and both may be
  // with the provider at once (it keeps at most `concurrency` requests in flight): requests
  // keep going while a finished window is projected and written.
  const embedRows = Math.max(mem.streamingBatchSize, provider.requestWindow ?? 0);
  let toEmbed: VariantSummary[] = [];
  // Windows with the provider, oldest first; taken in order, so the table stays in file order.
  const embedding: { rows: VariantSummary[]; vectors: Promise<Float32Array[]> }[] = [];
  const takeOldest = async (): Promise<void> => {
    const before = embedding.shift();
    if (before === undefined) return;
    const vectors = await before.vectors;
    for (let i = 0; i < before.rows.length; i++) {
      heldRows.push(before.rows[i]!);
      heldVectors.push(vectors[i]!);
    }
    if (heldRows.length >= PROJECT_ROWS) await project();
  };
  // Whole windows only, the rest waiting for the next streaming batch, so requests leave
  // full (`all` at the end of the input); a window of 1,100 rows made 5 requests, not 4.
  const embedWindow = async (all = false): Promise<void> => {
    const n = all ? toEmbed.length : toEmbed.length - (toEmbed.length % embedRows);
    if (n > 0) {
      const rows = n === toEmbed.length ? toEmbed : toEmbed.slice(0, n);
      toEmbed = n === toEmbed.length ? [] : toEmbed.slice(n);
      const vectors = service.embedRaw(rows.map((r) => r.description));
      vectors.catch(() => undefined); // observed when taken; never an unhandled rejection meanwhile
      embedding.push({ rows, vectors });
    }
    while (embedding.length > EMBED_WINDOWS_AHEAD) await takeOldest();
  };
  const drainEmbedding = async (): Promise<void> => {
    await embedWindow(true);
    while (embedding.length > 0) await takeOldest();
  };
  // With the local embedder and a trained PCA model, descriptions go straight to reduced
  // vectors (VariantEmbeddingService.embedProjectedInto): rows wait here, PROJECT_ROWS at a time.
  let heldDirect: VariantSummary[] = [];
  let flat = new Float32Array(0);
  const direct = async (): Promise<void> => {
    const n = heldDirect.length;
    if (n === 0) return;
    const rows = heldDirect;
    heldDirect = [];
    await persistPendingModel(ts);
    const k = ts.stage.outputDimensions as number;
    // Reused across calls: writer.add copies every row before it resolves.
    if (flat.length < n * k) flat = new Float32Array(Math.max(n, PROJECT_ROWS) * k);
    const out = flat;
    await service.embedProjectedInto(rows.map((r) => r.description), out);
    const views = new Array<Float32Array>(n);
    for (let i = 0; i < n; i++) views[i] = out.subarray(i * k, (i + 1) * k);
    await writer.add(rows, views);
  };
  let interrupted = false;
  let index: IngestSummary["index"] = null;
  let scalarIndexes: IngestSummary["scalarIndexes"] = null;
  try {
    const layout = annotationLayout(reader.header);
    const breather = new Breather();
    for await (const batch of reader.batches(mem.streamingBatchSize)) {
      await breather.breathe();
      read += batch.length;
      let variants = batch;
      if (toSkip > 0) {
        const n = Math.min(toSkip, variants.length);
        toSkip -= n;
        // The skipped prefix is what the table holds: its ids are "sent" for the append decision.
        if (ids !== null) for (let i = 0; i < n; i++) ids.take(variants[i]!.variantId, variants[i]!.chrom, variants[i]!.pos);
        variants = variants.slice(n);
      }
      if (owned.size > 0) {
        const before = variants.length;
        variants = variants.filter((v) => !owned.has(v.variantId));
        ownedSkipped += before - variants.length;
      }
      if (variants.length > 0) {
        const rows = variants.map((v) => summarizeVariant(v, layout));
        if (service.projectsDirectly) {
          // Rows still with the provider or held for the output stage go first: the table stays in file order.
          await drainEmbedding();
          await project();
          for (const r of rows) heldDirect.push(r);
          if (heldDirect.length >= PROJECT_ROWS) await direct();
        } else {
          // One cache lookup and at most one provider call per window; projection in blocks of PROJECT_ROWS.
          for (const r of rows) toEmbed.push(r);
          if (toEmbed.length >= embedRows) await embedWindow();
        }
      }
      progress(ts.stage.outputDimensions === undefined ? "training" : "reading");
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    // Embedded rows are written even after an interrupt: the checkpoint then covers them.
    await drainEmbedding();
    await project();
    await direct();
    if (!interrupted) await release(service.flush());
    progress("writing");
    await writer.close();
    if (sourceId && checkpoints && !interrupted) {
      const c = writer.counts;
      await checkpoints.save(sourceId, { variantsCommitted: resumeAt + c.committed, complete: true, tableRows: rowsAtStart + c.inserted, exclusive });
    }
    if (!interrupted) ({ index, scalarIndexes } = await buildTableIndexes(store, mem.annIndex, options.buildIndex, () => progress("indexing"), writer.counts.inserted));
  } catch (err) {
    // What was committed stays committed and the checkpoint says how far; re-raise.
    await writer.abandon();
    throw err;
  } finally {
    await reader.close();
    service.close();
  }

  const stats = service.getOptimizationStats();
  const st = reader.stats;
  const seconds = (performance.now() - t0) / 1000;
  const processed = read - resumeAt;
  return {
    source: reader.source,
    table: store.tableName,
    uri: store.uri,
    records: st.records,
    variantsRead: read,
    variantsWritten: writer.counts.inserted,
    variantsAlreadyStored: resumeAt + writer.counts.skipped + ownedSkipped,
    skippedReferenceOnly: st.skippedReferenceOnly,
    skippedInvalid: st.skippedInvalid,
    duplicatesInFile: writer.counts.duplicatesInBatch,
    resumedFrom: resumeAt,
    interrupted,
    seconds,
    variantsPerSecond: seconds > 0 ? Math.round(Math.max(processed, 0) / seconds) : 0,
    // The kernel's high-water mark (getrusage maxrss, KiB): exact, where the monitor only samples.
    peakRssMb: Math.round(Math.max(stats.memoryStats.peakRssMb, process.memoryUsage.rss() / 1048576, process.resourceUsage().maxRSS / 1024)),
    cacheHitRate: stats.cacheHitRate,
    dims: store.dims ?? service.embeddingDimensions,
    varianceRetained: stats.dimensionReductionStats.varianceRetained,
    reduction: ts.note,
    tableRows: store.dims === null ? 0 : await store.count(),
    index,
    scalarIndexes,
    warnings: st.warnings,
    invalidMessages: st.invalidMessages,
    warningMessages: st.warningMessages,
    writes: { appends: writer.counts.appends, lookups: writer.counts.lookups, merges: writer.counts.merges },
    optimization: stats,
  };
}

/** The ids the table stores in `region` (a shard's rows from an earlier attempt). */
async function idsInRegion(store: VariantStore, region: Region): Promise<Set<string>> {
  const ids = new Set<string>();
  const filters: Filter[] = [{ field: "chrom", op: "=", value: region.chrom }, { field: "pos", op: "between", value: [region.start, region.end ?? Number.MAX_SAFE_INTEGER] }];
  await store.forEachId((id) => ids.add(id), filters);
  return ids;
}

/**
 * Windows with the provider beyond the one whose vectors are awaited: while the oldest is
 * awaited, the next is read and handed over. Three measured the same as one in
 * `bench:providers`' ingest row (51.1 % against 50.7 % of the bound, 2 cores: the ingest is
 * CPU-bound there), so one, which holds the fewest vectors.
 */
const EMBED_WINDOWS_AHEAD = 1;

/** Tables smaller than this are searched exactly; an ANN index would not pay for itself. */
export const MIN_INDEX_ROWS = 10_000;

/**
 * The indexes an ingest leaves behind, once the table has {@link MIN_INDEX_ROWS}: the ANN index
 * of the level (none for basic) and the scalar indexes of the filter columns, which let a
 * filtered search and the planner's match counts skip the scan. `build` false builds none.
 */
export async function buildTableIndexes(
  store: VariantStore,
  annIndex: "none" | VectorIndexType,
  build: boolean | undefined,
  onStart: () => void,
  /** Rows this run wrote: none, and indexes that cover every row are left as they are. */
  written: number,
): Promise<{ index: IngestSummary["index"]; scalarIndexes: IngestSummary["scalarIndexes"] }> {
  if (build === false || (await store.count()) < MIN_INDEX_ROWS) return { index: null, scalarIndexes: null };
  // A run that wrote nothing (the same file again) leaves indexes that cover every row as
  // they are: rebuilding the ANN index of 1M rows costs over a minute.
  if (written === 0 && (await indexesCurrent(store, annIndex))) return { index: null, scalarIndexes: null };
  onStart();
  let index: IngestSummary["index"] = null;
  if (annIndex !== "none") {
    const r = await store.createVectorIndex({ type: annIndex });
    index = { type: annIndex, seconds: r.seconds };
  }
  const t = performance.now();
  const columns = await store.createScalarIndexes();
  return { index, scalarIndexes: { columns, seconds: (performance.now() - t) / 1000 } };
}

/** The table has every index ingest builds (the ANN one unless `annIndex` is none), each covering every row. */
async function indexesCurrent(store: VariantStore, annIndex: "none" | VectorIndexType): Promise<boolean> {
  const { indices } = await store.stats();
  const current = (column: string): boolean => indices.some((i) => i.columns.includes(column) && i.unindexedRows === 0);
  return (annIndex === "none" || current(VECTOR_COLUMN)) && SCALAR_INDEXES.every((x) => current(x.column));
}

export type { VcfReader };
