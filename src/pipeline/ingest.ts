/**
 * The ingest pipeline: VCF → batches → descriptions → embeddings → PCA → LanceDB, as
 * pulled async stages. Memory is bounded by the batch sizes (plus the PCA training
 * window), never by the file size. Resumable: see ./checkpoint.ts.
 */
import { performance } from "node:perf_hooks";
import type { SessionConfig } from "../config.js";
import type { EmbeddingProvider } from "../embedding/provider.js";
import { createProvider } from "../embedding/providers.js";
import { VariantEmbeddingService, type OptimizationStats } from "../embedding/service.js";
import { VcfAgentError } from "../errors.js";
import { VariantStore } from "../store/index.js";
import { VariantRowsBuilder } from "../store/rows-builder.js";
import type { VariantRows } from "../store/schema.js";
import { annotationLayout } from "../vcf/annotations.js";
import { summarizeVariant, type VariantSummary } from "../vcf/describe.js";
import { openVcf, type VcfReader } from "../vcf/reader.js";
import { CheckpointStore, identify, type SourceIdentity } from "./checkpoint.js";
import { persistPendingModel, stageForTable } from "./table-stage.js";

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
  /** Rows per LanceDB write (one commit each); default 8192. */
  readonly writeBatchRows?: number;
  /** Build the configured ANN index after ingest (default: when the level asks for one). */
  readonly buildIndex?: boolean;
  /** Provider override (tests, embedding servers); default from the config. */
  readonly provider?: EmbeddingProvider;
  /** An open store to write to; default: connect to `config.store`. */
  readonly store?: VariantStore;
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
  readonly peakRssMb: number;
  readonly cacheHitRate: number;
  readonly dims: number;
  readonly varianceRetained: number | null;
  readonly reduction: string;
  readonly tableRows: number;
  readonly index: { type: string; seconds: number } | null;
  readonly warnings: number;
  readonly invalidMessages: readonly string[];
  readonly warningMessages: readonly string[];
  readonly optimization: OptimizationStats;
}

const DEFAULT_WRITE_ROWS = 8192;

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
  const { config } = options;
  const mem = config.memoryOptimization;
  const store = options.store ?? (await VariantStore.connect(config.store.uri, { table: config.store.table }));
  const provider = options.provider ?? createProvider(config.embedding, mem);
  const ts = await stageForTable(store, provider, config, true);
  const reader = await openVcf(options.input, {
    ...(options.region === undefined ? {} : { region: options.region }),
    onInvalid: options.onInvalid ?? "error",
  });
  const service = new VariantEmbeddingService(config, { provider, stage: ts.stage });
  const sourceId = await identify(options.input, options.region);
  const dbDir = store.localDirectory;
  const checkpoints = dbDir === null ? null : new CheckpointStore(dbDir, store.tableName);
  const resumeAt = sourceId && checkpoints ? ((await checkpoints.load(sourceId))?.variantsCommitted ?? 0) : 0;

  const writer = new Writer(store, reader.source, options.writeBatchRows ?? DEFAULT_WRITE_ROWS, async (committed) => {
    if (sourceId && checkpoints) await checkpoints.save(sourceId, resumeAt + committed, false);
  });
  let toSkip = resumeAt;
  let read = 0;
  const progress = (phase: IngestProgress["phase"]): void =>
    options.onProgress?.({ variantsRead: read, variantsWritten: writer.inserted, bytesRead: reader.stats.bytesRead, totalBytes: reader.stats.totalBytes, phase });
  let interrupted = false;
  let index: IngestSummary["index"] = null;
  try {
    const layout = annotationLayout(reader.header);
    for await (const batch of reader.batches(mem.streamingBatchSize)) {
      read += batch.length;
      let variants = batch;
      if (toSkip > 0) {
        const n = Math.min(toSkip, variants.length);
        toSkip -= n;
        variants = variants.slice(n);
      }
      if (variants.length > 0) {
        const rows = variants.map((v) => summarizeVariant(v, layout));
        for (const out of await service.pushBatch(
          rows.map((r) => r.description),
          rows,
        )) {
          await persistPendingModel(ts);
          await writer.add(out.tag as VariantSummary[], out.vectors);
        }
      }
      progress(ts.stage.outputDimensions === undefined ? "training" : "reading");
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    if (!interrupted) {
      for (const out of service.flush()) {
        await persistPendingModel(ts);
        await writer.add(out.tag as VariantSummary[], out.vectors);
      }
    }
    progress("writing");
    await writer.close();
    if (sourceId && checkpoints && !interrupted) await checkpoints.save(sourceId, resumeAt + writer.committed, true);
    const wantIndex = options.buildIndex ?? mem.annIndex !== "none";
    if (!interrupted && wantIndex && mem.annIndex !== "none") {
      progress("indexing");
      const rowsNow = await store.count();
      if (rowsNow >= MIN_INDEX_ROWS) {
        const r = await store.createVectorIndex({ type: mem.annIndex });
        index = { type: mem.annIndex, seconds: r.seconds };
      }
    }
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
    variantsWritten: writer.inserted,
    variantsAlreadyStored: resumeAt + writer.skipped,
    skippedReferenceOnly: st.skippedReferenceOnly,
    skippedInvalid: st.skippedInvalid,
    duplicatesInFile: writer.duplicatesInBatch,
    resumedFrom: resumeAt,
    interrupted,
    seconds,
    variantsPerSecond: seconds > 0 ? Math.round(Math.max(processed, 0) / seconds) : 0,
    peakRssMb: Math.round(Math.max(stats.memoryStats.peakRssMb, process.memoryUsage.rss() / 1048576)),
    cacheHitRate: stats.cacheHitRate,
    dims: store.dims ?? service.embeddingDimensions,
    varianceRetained: stats.dimensionReductionStats.varianceRetained,
    reduction: ts.note,
    tableRows: store.dims === null ? 0 : await store.count(),
    index,
    warnings: st.warnings,
    invalidMessages: st.invalidMessages,
    warningMessages: st.warningMessages,
    optimization: stats,
  };
}

/** Tables smaller than this are searched exactly; an ANN index would not pay for itself. */
export const MIN_INDEX_ROWS = 10_000;

/**
 * Accumulates released rows into columnar batches and writes them with at most one
 * write in flight (so embedding the next batch overlaps writing this one).
 */
class Writer {
  inserted = 0;
  skipped = 0;
  duplicatesInBatch = 0;
  /** Variants (input rows) whose batch has been committed. */
  committed = 0;
  private builder: VariantRowsBuilder | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly store: VariantStore,
    private readonly source: string,
    private readonly rowsPerWrite: number,
    private readonly onCommit: (committed: number) => Promise<void>,
  ) {}

  async add(rows: readonly VariantSummary[], vectors: readonly Float32Array[]): Promise<void> {
    if (rows.length !== vectors.length) throw new VcfAgentError(`internal: ${rows.length} rows but ${vectors.length} vectors`, "STORE");
    for (let i = 0; i < rows.length; i++) {
      const v = vectors[i] as Float32Array;
      this.builder ??= new VariantRowsBuilder(v.length, this.rowsPerWrite, this.source);
      this.builder.push(rows[i] as VariantSummary, v);
      if (this.builder.full) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    if (this.builder === null || this.builder.length === 0) return;
    const batch = this.builder.build();
    if (this.inFlight) await this.inFlight;
    const write = this.write(batch);
    write.catch(() => undefined); // observed when awaited; never an unhandled rejection meanwhile
    this.inFlight = write;
  }

  private async write(batch: VariantRows): Promise<void> {
    const r = await this.store.addBatch(batch);
    this.inserted += r.inserted + r.updated;
    this.skipped += r.skipped;
    this.duplicatesInBatch += r.duplicatesInBatch;
    this.committed += batch.variantId.length;
    await this.onCommit(this.committed);
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.inFlight) await this.inFlight;
    this.inFlight = null;
  }

  /** After a failure: let a write in flight finish (it commits or not, atomically), drop the rest. */
  async abandon(): Promise<void> {
    if (this.inFlight) await this.inFlight.catch(() => undefined);
    this.inFlight = null;
    this.builder = null;
  }
}

export type { VcfReader };
