/**
 * `vcf-agent ingest FILE --workers N`: one file over N local worker processes. The planner
 * fits (or reuses) the table's PCA model once and stores it with the table, splits the file
 * into shards by its index (./shards.ts), and hands shards to workers (./_shard-worker.ts),
 * which append to the one table. A shard whose worker dies is given to a new worker; the
 * retry skips the rows the dead one committed (a shard owns its region), so the table ends
 * with exactly the file's variants. Indexes are built once, at the end.
 */
import { fork, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { isSecretOption, type SessionConfig } from "../config.js";
import { isErrorCode, VcfAgentError } from "../errors.js";
import { createProvider, readyProvider } from "../providers/create.js";
import { storageOf, VariantStore } from "../store/index.js";
import { buildTableIndexes, ingestVcf, type IngestProgress, type IngestSummary } from "./ingest.js";
import { planShards, type Shard } from "./shards.js";
import { persistPendingModel, stageForTable } from "./table-stage.js";
import { sampleTrainingVectors } from "./training.js";

/** A shard job as a worker gets it. */
export interface ShardJob {
  readonly id: number;
  readonly input: string;
  readonly region: string;
  readonly config: { memoryOptimization: object; embedding: object; store: object };
  readonly onInvalid?: "error" | "skip";
  /** The planner found the table empty and this is the shard's first attempt (see `IngestOptions.shardFresh`). */
  readonly fresh?: boolean;
}

/** What a worker reports. */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "progress"; id: number; variantsRead: number; variantsWritten: number; bytesRead: number }
  | { type: "done"; id: number; summary: IngestSummary }
  | { type: "failed"; id: number; message: string; code: string };

/** Figures of one worker process. */
export interface WorkerFigures {
  readonly worker: number;
  /** The machine it ran on, when that is not this one (queue workers). */
  readonly host?: string;
  readonly pid: number;
  readonly shards: number;
  readonly variantsWritten: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  /** Processes the worker ran its shards in, when more than one (see {@link RECYCLE_ROWS}); `pid` is the first. */
  readonly processes?: number;
  /** Why it stopped early (killed, crashed), when it did. */
  readonly lost?: string;
}

/** The summary of a sharded ingest: the usual figures summed over shards, and per worker. */
export interface ShardedIngestSummary extends IngestSummary {
  readonly shards: number;
  /** Shard attempts given to a new worker after theirs died. */
  readonly retries: number;
  readonly workers: readonly WorkerFigures[];
}

/** Options of {@link ingestWithWorkers}. */
export interface WorkersOptions {
  readonly input: string;
  readonly config: SessionConfig;
  readonly workers: number;
  readonly onInvalid?: "error" | "skip";
  readonly buildIndex?: boolean;
  readonly onProgress?: (p: IngestProgress) => void;
  /** Number of shards; default `workers × shardsPerWorker`. */
  readonly shards?: number;
  /** Shards per worker (more than one evens out uneven shards); default 4. */
  readonly shardsPerWorker?: number;
  /** Attempts per shard before the ingest fails; default 3. */
  readonly attempts?: number;
  /** Stops the workers; what they committed stays, and a rerun skips it. */
  readonly signal?: AbortSignal;
  /** A worker process that has written this many rows hands its next shard to a fresh process; default {@link RECYCLE_ROWS}. */
  readonly recycleRows?: number;
}

/**
 * Rows after which a shard worker process is replaced (at the end of a shard). LanceDB's
 * native memory grows with the rows one process appends (a fresh process appending 1M rows
 * peaks at 316–354 MB whether the table holds 0 or 10M rows; one process appending 10M rows
 * reaches 654 MB), so a worker stays flat only if its processes are renewed (docs/scale.md).
 */
export const RECYCLE_ROWS = 250_000;

/** A sharded ingest stopped by its signal (Ctrl-C). */
export class ShardedIngestInterrupted extends VcfAgentError {
  constructor() {
    super("interrupted: the rows the workers committed are kept; rerun the same command to finish (each shard skips what it committed)", "USAGE");
    this.name = "ShardedIngestInterrupted";
  }
}

const WORKER_ENTRY = fileURLToPath(new URL("./_shard-worker.js", import.meta.url));

/**
 * Starts a shard worker process (./_shard-worker.ts). It runs with glibc's malloc arenas
 * capped at 2 (LanceDB's threads otherwise each keep a 64 MiB heap of freed write buffers)
 * and a 2 MiB V8 young generation (fewer dead vector buffers between collections), unless
 * the environment says otherwise (docs/performance.md measured −80 and −30 to −50 MB on a
 * whole ingest), and with `--expose-gc` so that it collects one shard's garbage before the
 * next. None of these can be changed inside a running process.
 */
export function forkShardWorker(): ChildProcess {
  const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" };
  const semi = process.execArgv.some((a) => a.startsWith("--max-semi-space-size")) ? [] : ["--max-semi-space-size=2"];
  return fork(WORKER_ENTRY, [], { stdio: ["ignore", "ignore", "inherit", "ipc"], serialization: "advanced", env, execArgv: [...process.execArgv, ...semi, "--expose-gc"] });
}

interface RunningShard {
  resolve: (s: IngestSummary) => void;
  reject: (e: Error) => void;
  onProgress: (m: Extract<WorkerMessage, { type: "progress" }>) => void;
}

/**
 * One shard worker process that runs shards one at a time (a queue worker's: see ./queue.ts).
 * A process that dies mid-shard fails that shard; the next shard gets a new process.
 */
export class ShardProcess {
  #child: ChildProcess | undefined;
  #ready: Promise<void> | undefined;
  #current: RunningShard | undefined;
  /** Rows the current process has written. */
  #written = 0;

  /** @param recycleRows once the process has written this many rows, the next shard gets a fresh one ({@link RECYCLE_ROWS}). */
  constructor(private readonly recycleRows: number = RECYCLE_ROWS) {}

  /** Runs `job` in the process (started when there is none) and resolves with its summary. */
  async run(job: ShardJob, onProgress: (m: Extract<WorkerMessage, { type: "progress" }>) => void): Promise<IngestSummary> {
    if (this.#written >= this.recycleRows) this.close();
    await this.#start();
    const summary = await new Promise<IngestSummary>((resolve, reject) => {
      this.#current = { resolve, reject, onProgress };
      this.#child?.send(job);
    });
    this.#written += summary.variantsWritten;
    return summary;
  }

  /** The pid of the current process, if one runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Lets the process go (it exits when disconnected). */
  close(): void {
    const child = this.#child;
    this.#child = undefined;
    this.#ready = undefined;
    if (child?.connected) child.disconnect();
  }

  #start(): Promise<void> {
    if (this.#child !== undefined && this.#ready !== undefined) return this.#ready;
    const child = forkShardWorker();
    this.#child = child;
    this.#written = 0;
    this.#ready = new Promise<void>((resolve, reject) => {
      child.on("message", (m: WorkerMessage) => {
        if (m.type === "ready") resolve();
        else if (m.type === "progress") this.#current?.onProgress(m);
        else if (m.type === "done") this.#settle()?.resolve(m.summary);
        else if (m.type === "failed") this.#settle()?.reject(new VcfAgentError(m.message, isErrorCode(m.code) ? m.code : "STORE"));
      });
      child.on("exit", (code, signal) => {
        if (this.#child !== child) return; // let go by close(); a newer process may run now
        this.#child = undefined;
        this.#ready = undefined;
        const why = new VcfAgentError(`shard worker process ${child.pid} stopped (${signal ?? `exit ${code}`})`, "STORE");
        reject(why);
        this.#settle()?.reject(why);
      });
    });
    return this.#ready;
  }

  #settle(): RunningShard | undefined {
    const c = this.#current;
    this.#current = undefined;
    return c;
  }
}

/** Ingests `input` with `workers` local processes; see the module comment. */
export async function ingestWithWorkers(options: WorkersOptions): Promise<ShardedIngestSummary> {
  const t0 = performance.now();
  if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > 256) {
    throw new VcfAgentError(`option --workers: expected an integer from 1 to 256, got ${String(options.workers)}`, "USAGE");
  }
  const plan = await planShardedIngest(options.input, options.config, options.shards ?? options.workers * (options.shardsPerWorker ?? 4), options.onProgress);
  if (plan.shards.length === 0) return ingestUnsharded(options);
  const run = await runPool(plan, options);
  return finishShardedIngest(options, plan, run, t0);
}

/** The planner's part, done once before any shard runs: the shards, and the table ready for them. */
export interface ShardPlan {
  readonly shards: readonly Shard[];
  /** What the level's reduction did (the summary's `reduction`). */
  readonly note: string;
  /** The table held no rows when planned: a shard's first attempt need not look for its rows. */
  readonly empty: boolean;
}

/**
 * Plans a sharded ingest of `input`: about `count` shards by its index; the table's PCA model
 * fitted (or reused) once and stored with the table; the table created, so that shards only
 * append (concurrent creates would conflict). No shards: nothing the index can split.
 */
export async function planShardedIngest(input: string, config: SessionConfig, count: number, onProgress?: (p: IngestProgress) => void): Promise<ShardPlan> {
  const mem = config.memoryOptimization;
  const shards = await planShards(input, count);
  if (shards.length === 0) return { shards, note: "", empty: false };
  const store = await VariantStore.connect(config.store.uri, { table: config.store.table, ...storageOf(config) });
  try {
    const provider = await readyProvider(createProvider(config.embedding, mem));
    onProgress?.({ variantsRead: 0, variantsWritten: 0, bytesRead: 0, totalBytes: undefined, phase: "training" });
    const ts = await stageForTable(store, provider, config, true, (size) => sampleTrainingVectors(input, { size, provider }));
    await persistPendingModel(ts);
    await store.createEmpty(ts.stage.outputDimensions ?? provider.dimensions);
    return { shards, note: ts.note, empty: (await store.count()) === 0 };
  } finally {
    store.close();
  }
}

/** A header-only file (nothing to split): one ordinary ingest says what it holds. */
export async function ingestUnsharded(options: { input: string; config: SessionConfig; onInvalid?: "error" | "skip" }): Promise<ShardedIngestSummary> {
  const summary = await ingestVcf({ input: options.input, config: options.config, ...(options.onInvalid ? { onInvalid: options.onInvalid } : {}) });
  return { ...summary, shards: 0, retries: 0, workers: [] };
}

/** What running every shard of a plan gave. */
export interface ShardRun {
  readonly summaries: IngestSummary[];
  readonly workers: WorkerFigures[];
  readonly retries: number;
  readonly read: number;
  readonly written: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

/** The planner's last part, once every shard is done: the index, built once, and one summary. */
export async function finishShardedIngest(
  options: { config: SessionConfig; buildIndex?: boolean; onProgress?: (p: IngestProgress) => void },
  plan: ShardPlan,
  run: ShardRun,
  t0: number,
): Promise<ShardedIngestSummary> {
  const { config } = options;
  const mem = config.memoryOptimization;
  const reopened = await VariantStore.connect(config.store.uri, { table: config.store.table, ...storageOf(config) });
  try {
    const { index, scalarIndexes } = await buildTableIndexes(
      reopened,
      mem.annIndex,
      options.buildIndex,
      () => options.onProgress?.({ variantsRead: run.read, variantsWritten: run.written, bytesRead: run.bytes, totalBytes: run.totalBytes, phase: "indexing" }),
      run.written,
    );
    return combine(run.summaries, { seconds: (performance.now() - t0) / 1000, note: plan.note, tableRows: await reopened.count(), dims: reopened.dims, index, scalarIndexes, shards: plan.shards.length, retries: run.retries, workers: run.workers });
  } finally {
    reopened.close();
  }
}

/**
 * The configuration a shard job carries. `withSecrets: false` (jobs that travel through a
 * queue) drops secret storage options: a worker takes credentials from its own environment.
 */
export function shardJobConfig(config: SessionConfig, withSecrets: boolean): ShardJob["config"] {
  const store = { ...config.store };
  if (!withSecrets && store.storageOptions !== undefined) {
    store.storageOptions = Object.fromEntries(Object.entries(store.storageOptions).filter(([k]) => !isSecretOption(k)));
  }
  return { memoryOptimization: config.memoryOptimization.toJSON(), embedding: { ...config.embedding }, store };
}

/** Runs every shard on a pool of `options.workers` processes, replacing any that dies. */
function runPool(plan: ShardPlan, options: WorkersOptions): Promise<ShardRun> {
  const shards = plan.shards;
  const recycleRows = options.recycleRows ?? RECYCLE_ROWS;
  const config = shardJobConfig(options.config, true);
  const pending = shards.map((s, id) => ({ id, shard: s, attempts: 0 }));
  const totalBytes = shards.reduce((a, s) => a + s.bytes, 0);
  const live = new Map<number, { read: number; written: number; bytes: number }>();
  const doneFigures = { read: 0, written: 0, bytes: 0 };
  const summaries: IngestSummary[] = [];
  const figures: WorkerFigures[] = [];
  let retries = 0;
  let finished = 0;
  let workerNo = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    const children = new Set<ChildProcess>();
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      for (const c of children) c.kill("SIGTERM");
      reject(err);
    };
    const report = (): void => {
      let read = doneFigures.read;
      let written = doneFigures.written;
      let bytes = doneFigures.bytes;
      for (const p of live.values()) {
        read += p.read;
        written += p.written;
        bytes += p.bytes;
      }
      options.onProgress?.({ variantsRead: read, variantsWritten: written, bytesRead: Math.min(bytes, totalBytes), totalBytes, phase: "reading" });
    };
    /** A worker: a new one, or the next process of worker `slot` (the one before wrote `recycleRows`). */
    const spawn = (slot?: { n: number; started: number; pid: number; processes: number; mine: { shards: number; written: number; peak: number } }): void => {
      const n = slot?.n ?? ++workerNo;
      const started = slot?.started ?? performance.now();
      const child = forkShardWorker();
      children.add(child);
      let current: (typeof pending)[number] | undefined;
      const mine = slot?.mine ?? { shards: 0, written: 0, peak: 0 };
      const processes = (slot?.processes ?? 0) + 1;
      let writtenHere = 0;
      let recycled = false;
      const next = (): void => {
        if (writtenHere >= recycleRows && pending.length > 0) {
          // LanceDB's native memory grows with the rows one process appends, not with the
          // table (docs/scale.md): the next shard gets a fresh process of the same worker.
          recycled = true;
          current = undefined;
          child.disconnect();
          spawn({ n, started, pid: slot?.pid ?? child.pid ?? 0, processes, mine });
          return;
        }
        current = pending.shift();
        if (current === undefined) {
          child.disconnect();
          return;
        }
        current.attempts++;
        live.set(current.id, { read: 0, written: 0, bytes: 0 });
        const fresh = plan.empty && current.attempts === 1;
        child.send({ id: current.id, input: options.input, region: current.shard.region, config, fresh, ...(options.onInvalid ? { onInvalid: options.onInvalid } : {}) } satisfies ShardJob);
      };
      child.on("message", (m: WorkerMessage) => {
        if (failed) return;
        if (m.type === "ready") next();
        else if (m.type === "progress") {
          live.set(m.id, { read: m.variantsRead, written: m.variantsWritten, bytes: Math.min(m.bytesRead, shards[m.id]?.bytes ?? m.bytesRead) });
          report();
        } else if (m.type === "done") {
          live.delete(m.id);
          summaries.push(m.summary);
          doneFigures.read += m.summary.variantsRead;
          doneFigures.written += m.summary.variantsWritten;
          doneFigures.bytes += shards[m.id]?.bytes ?? 0;
          mine.shards++;
          mine.written += m.summary.variantsWritten;
          writtenHere += m.summary.variantsWritten;
          mine.peak = Math.max(mine.peak, m.summary.peakRssMb);
          finished++;
          report();
          next(); // no shard left: this worker is let go
          if (finished === shards.length) for (const c of children) if (c.connected) c.disconnect();
        } else if (m.type === "failed") {
          fail(new VcfAgentError(`${m.message} (shard ${shards[m.id]?.region} of ${options.input})`, isErrorCode(m.code) ? m.code : "STORE"));
        }
      });
      child.on("exit", (code, signal) => {
        children.delete(child);
        const lost = current !== undefined && live.has(current.id);
        if (!recycled) {
          figures.push({
            worker: n,
            pid: slot?.pid ?? child.pid ?? 0,
            ...(processes > 1 ? { processes } : {}),
            shards: mine.shards,
            variantsWritten: mine.written,
            seconds: Math.round((performance.now() - started) / 10) / 100,
            peakRssMb: mine.peak,
            ...(lost ? { lost: signal ?? `exit ${code}` } : {}),
          });
        }
        if (finished === shards.length && children.size === 0) resolve({ summaries, workers: figures, retries, ...doneFigures, totalBytes });
        if (failed || !lost || current === undefined) return;
        // The worker died mid-shard: the shard goes to a new worker, which skips what was committed.
        live.delete(current.id);
        if (current.attempts >= (options.attempts ?? 3)) {
          fail(new VcfAgentError(`${options.input} (region ${current.shard.region}): worker ${n} stopped (${signal ?? `exit ${code}`}) on each of ${current.attempts} attempts`, "STORE"));
          return;
        }
        retries++;
        pending.unshift(current);
        spawn();
      });
    };
    // Ctrl-C: the workers ignore the terminal's SIGINT; the planner stops them and says what is kept.
    options.signal?.addEventListener("abort", () => fail(new ShardedIngestInterrupted()), { once: true });
    for (let i = 0; i < Math.min(options.workers, pending.length); i++) spawn();
    if (pending.length === 0) resolve({ summaries, workers: figures, retries, ...doneFigures, totalBytes });
  });
}

/** One summary for the whole file from its shards' summaries. */
function combine(
  parts: readonly IngestSummary[],
  extra: { seconds: number; note: string; tableRows: number; dims: number | null; index: IngestSummary["index"]; scalarIndexes: IngestSummary["scalarIndexes"]; shards: number; retries: number; workers: WorkerFigures[] },
): ShardedIngestSummary {
  const sum = (f: (s: IngestSummary) => number) => parts.reduce((a, s) => a + f(s), 0);
  const first = parts[0];
  if (first === undefined) throw new VcfAgentError("internal: no shard finished", "STORE");
  const hits = sum((s) => s.optimization.cacheStats.hits);
  const lookups = hits + sum((s) => s.optimization.cacheStats.misses);
  const read = sum((s) => s.variantsRead);
  return {
    ...first,
    records: sum((s) => s.records),
    variantsRead: read,
    variantsWritten: sum((s) => s.variantsWritten),
    variantsAlreadyStored: sum((s) => s.variantsAlreadyStored),
    skippedReferenceOnly: sum((s) => s.skippedReferenceOnly),
    skippedInvalid: sum((s) => s.skippedInvalid),
    duplicatesInFile: sum((s) => s.duplicatesInFile),
    resumedFrom: 0,
    interrupted: false,
    seconds: extra.seconds,
    variantsPerSecond: extra.seconds > 0 ? Math.round(read / extra.seconds) : 0,
    peakRssMb: Math.max(...parts.map((s) => s.peakRssMb), Math.round(process.resourceUsage().maxRSS / 1024)),
    cacheHitRate: lookups === 0 ? 0 : Math.round((10000 * hits) / lookups) / 100,
    dims: extra.dims ?? first.dims,
    reduction: extra.note,
    tableRows: extra.tableRows,
    index: extra.index,
    scalarIndexes: extra.scalarIndexes,
    warnings: sum((s) => s.warnings),
    invalidMessages: parts.flatMap((s) => s.invalidMessages).slice(0, 100),
    warningMessages: parts.flatMap((s) => s.warningMessages).slice(0, 100),
    writes: { appends: sum((s) => s.writes.appends), lookups: sum((s) => s.writes.lookups), merges: sum((s) => s.writes.merges) },
    shards: extra.shards,
    retries: extra.retries,
    workers: extra.workers.sort((a, b) => a.worker - b.worker),
  };
}
