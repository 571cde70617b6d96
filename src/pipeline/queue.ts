/**
 * A sharded ingest over a BullMQ queue on Redis. `ingest FILE --queue redis://…` plans the work
 * as `--workers` does (./workers.ts: shards by the file's index, the PCA model fitted once and
 * stored with the table, the table created), enqueues one job per shard and follows them with
 * one progress bar; `worker --queue redis://…`, on any machine, takes jobs and ingests each
 * shard with the same `ingestVcf({ shard: true })` a local worker process runs. A job whose
 * worker fails is retried; one whose worker dies is found by BullMQ's stalled-job check when
 * its lock expires and retried by another worker. A retry skips the rows its shard committed
 * (a shard owns the records starting in its region), so the table ends with the file's
 * variants exactly once. When every shard is done the planner builds the index once.
 *
 * Job ids come from the table, the input (path, size, modification time) and the region: a
 * rerun of the same command while an earlier run's jobs are still queued adds none twice,
 * and one region of one file never runs twice at once (a job runs under one lock).
 * Jobs carry no secrets: a worker takes credentials from its own environment and options.
 */
import { createHash } from "node:crypto";
import { access, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { isAbsolute, resolve as resolvePath } from "node:path";
import { performance } from "node:perf_hooks";
import { Job, Queue, UnrecoverableError, Worker, type ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { SessionConfig } from "../config.js";
import { isErrorCode, VcfAgentError, type ErrorCode } from "../errors.js";
import type { IngestProgress, IngestSummary } from "./ingest.js";
import { finishShardedIngest, ingestUnsharded, planShardedIngest, shardJobConfig, ShardProcess, type ShardedIngestSummary, type ShardJob, type ShardRun, type WorkerFigures } from "./workers.js";

/** Where a queue is: a Redis server and a queue name. */
export interface QueueLocation {
  /** The URL with any password hidden: safe to print. */
  readonly shown: string;
  /** The BullMQ queue name (`?name=`, default `vcf-agent`). */
  readonly name: string;
  readonly connection: Readonly<Pick<RedisOptions, "host" | "port" | "db" | "username" | "password" | "tls">>;
}

/** Default queue name. */
export const DEFAULT_QUEUE_NAME = "vcf-agent";

/**
 * Parses `redis://[user[:password]@]host[:port][/db][?name=queue]` (or `rediss://` for TLS).
 * @throws VcfAgentError "USAGE" naming `option` and the URL (password hidden).
 */
export function parseQueueUrl(text: string, option = "--queue"): QueueLocation {
  const bad = (why: string): VcfAgentError =>
    new VcfAgentError(`option ${option}: ${why}, got '${hidePassword(text)}' (expected redis://HOST:PORT[/DB][?name=QUEUE])`, "USAGE");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad("not a URL");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw bad(`a Redis URL starts with redis:// or rediss://`);
  if (url.hostname === "") throw bad("no host");
  const path = url.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d{1,2}$/.test(path)) throw bad("the path is the database number (0–15)");
  const name = url.searchParams.get("name") ?? DEFAULT_QUEUE_NAME;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) throw bad("the queue name takes letters, digits, '_', '-' and '.'");
  for (const key of url.searchParams.keys()) if (key !== "name") throw bad(`unknown parameter '${key}'`);
  const connection: QueueLocation["connection"] = {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port === "" ? 6379 : Number(url.port),
    db: path === "" ? 0 : Number(path),
    ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
  };
  return { shown: hidePassword(text), name, connection };
}

function hidePassword(text: string): string {
  return text.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
}

/** Fails fast, and clearly, when the queue's Redis cannot be reached (BullMQ would wait forever). */
async function reach(queue: QueueLocation): Promise<void> {
  const client = new Redis({ ...queue.connection, lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let cause: Error | undefined;
  client.on("error", (e: Error) => {
    cause ??= e; // the socket's error (ECONNREFUSED …) says more than the failed connect
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (cause ?? (e as Error)).message;
    throw new VcfAgentError(`cannot reach the queue at ${queue.shown}: ${why} (is redis-server running there?)`, "QUEUE", { cause: cause ?? e });
  } finally {
    client.disconnect();
  }
}

/** BullMQ's connection options: retry forever (workers and planners outlive a Redis restart). */
function connectionOf(queue: QueueLocation): ConnectionOptions {
  return { ...queue.connection, maxRetriesPerRequest: null };
}

/** What a shard job carries through the queue. */
interface QueueJobData extends Omit<ShardJob, "id"> {
  /** Compressed bytes of the shard, for the progress bar. */
  readonly bytes: number;
}

/** What a worker returns for a shard. */
interface QueueJobResult {
  readonly summary: IngestSummary;
  readonly host: string;
  readonly pid: number;
  /** The shard process that ran it (a worker renews its shard process every `recycleRows`). */
  readonly shardPid?: number;
  readonly seconds: number;
}

/** What a worker reports while it works on a shard (`job.progress`). */
interface QueueJobProgress {
  readonly read?: number;
  readonly written?: number;
  readonly bytes?: number;
  /** The error code of the attempt that failed. */
  readonly code?: string;
}

/** Options of {@link ingestWithQueue}. */
export interface QueueIngestOptions {
  readonly input: string;
  readonly config: SessionConfig;
  readonly queue: QueueLocation;
  /** Number of shards; default 16. */
  readonly shards?: number;
  readonly onInvalid?: "error" | "skip";
  readonly buildIndex?: boolean;
  readonly onProgress?: (p: IngestProgress) => void;
  /** Called once the shards are queued. */
  readonly onQueued?: (shards: number) => void;
  /** Attempts per shard before the ingest fails; default 3. */
  readonly attempts?: number;
  /** Seconds the queue may stay unreachable before the ingest gives up; default 60. */
  readonly patienceSeconds?: number;
  readonly signal?: AbortSignal;
}

/** Default shard count of a queued ingest. */
export const DEFAULT_QUEUE_SHARDS = 16;

/** Plans `input`, queues its shards and waits for workers to ingest them; see the module comment. */
export async function ingestWithQueue(options: QueueIngestOptions): Promise<ShardedIngestSummary> {
  const t0 = performance.now();
  const input = options.input === "-" ? "-" : resolvePath(options.input);
  const config = withAbsoluteDb(options.config);
  await reach(options.queue);
  const plan = await planShardedIngest(input, config, options.shards ?? DEFAULT_QUEUE_SHARDS, options.onProgress);
  if (plan.shards.length === 0) return ingestUnsharded({ input, config, ...(options.onInvalid ? { onInvalid: options.onInvalid } : {}) });
  const queue = new Queue(options.queue.name, { connection: connectionOf(options.queue) });
  queue.on("error", () => {}); // a lost connection is retried, and the follower's patience says when it is too long
  try {
    const file = await stat(input);
    const run = createHash("sha256").update(JSON.stringify([config.store.uri, config.store.table, input, file.size, file.mtimeMs])).digest("hex").slice(0, 16);
    const jobConfig = shardJobConfig(config, false);
    const ids = plan.shards.map((_, i) => `${run}-${i}`);
    const patience = (options.patienceSeconds ?? 60) * 1000;
    await withPatience(options.queue, patience, async () => {
      for (const id of ids) {
        // A shard that failed in an earlier run gets a new chance.
        const earlier = await queue.getJob(id);
        if (earlier !== undefined && (await earlier.isFailed())) await earlier.remove();
      }
      await queue.addBulk(
        plan.shards.map((s, i) => ({
          name: "shard",
          data: { input, region: s.region, bytes: s.bytes, config: jobConfig, fresh: plan.empty, ...(options.onInvalid ? { onInvalid: options.onInvalid } : {}) },
          opts: { jobId: ids[i], attempts: options.attempts ?? 3, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: { age: 86400 }, removeOnFail: { age: 7 * 86400 } },
        })),
      );
    });
    options.onQueued?.(ids.length);
    const result = await follow(queue, ids, plan.shards, input, options, patience);
    const summary = await finishShardedIngest({ ...options, config }, plan, result, t0);
    await Promise.all(ids.map((id) => queue.remove(id))).catch(() => {}); // tidy; they expire anyway
    return summary;
  } finally {
    await queue.close().catch(() => {});
  }
}

/** A local database directory as an absolute path, the same for every worker on this file system. */
function withAbsoluteDb(config: SessionConfig): SessionConfig {
  const uri = config.store.uri;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) || isAbsolute(uri)) return config;
  return new SessionConfig({ memoryOptimization: config.memoryOptimization, embedding: withKey(config), store: { ...config.store, uri: resolvePath(uri) } });
}

function withKey(config: SessionConfig): Record<string, unknown> {
  return { ...config.embedding, ...(config.embedding.apiKey === undefined ? {} : { apiKey: config.embedding.apiKey }) };
}

/** Runs `fn`, failing with a clear message when the queue does not answer within `ms`. */
async function withPatience<T>(queue: QueueLocation, ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new VcfAgentError(`lost the queue at ${queue.shown}: no answer for ${Math.round(ms / 1000)} s; the queued shards stay queued, and rerunning the same command picks them up`, "QUEUE")),
      ms,
    );
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls the run's jobs until all completed: progress, per-worker figures, and the first shard that failed for good. */
async function follow(
  queue: Queue,
  ids: readonly string[],
  shards: readonly { region: string; bytes: number }[],
  input: string,
  options: QueueIngestOptions,
  patience: number,
): Promise<ShardRun> {
  const totalBytes = shards.reduce((a, s) => a + s.bytes, 0);
  const done = new Map<number, QueueJobResult & { attempts: number }>();
  for (;;) {
    if (options.signal?.aborted) {
      throw new VcfAgentError(`stopped following the queue at ${options.queue.shown}: workers go on with the queued shards; rerun the same command to follow them again`, "QUEUE");
    }
    const live = { read: 0, written: 0, bytes: 0 };
    await withPatience(options.queue, patience, async () => {
      for (let i = 0; i < ids.length; i++) {
        if (done.has(i)) continue;
        const job = await Job.fromId<QueueJobData, QueueJobResult>(queue, ids[i] as string);
        const where = `shard ${shards[i]?.region} of ${input}`;
        if (job === undefined) {
          throw new VcfAgentError(
            `the queue at ${options.queue.shown} no longer has ${where} (was Redis restarted without persistence, or the queue cleaned?); rerun the same command: the rows already written are kept and skipped`,
            "QUEUE",
          );
        }
        const progress = (typeof job.progress === "object" ? job.progress : {}) as QueueJobProgress;
        if (job.finishedOn !== undefined) {
          const state = await job.getState();
          if (state === "completed" && job.returnvalue) {
            done.set(i, { ...job.returnvalue, attempts: job.attemptsStarted });
            continue;
          }
          if (state === "failed") {
            const code: ErrorCode = progress.code !== undefined && isErrorCode(progress.code) ? progress.code : "STORE";
            const tries = job.attemptsMade === 1 ? "" : ` on each of ${job.attemptsMade} attempts`;
            throw new VcfAgentError(`${job.failedReason ?? "failed"} (${where}${tries})`, code);
          }
        }
        live.read += progress.read ?? 0;
        live.written += progress.written ?? 0;
        live.bytes += Math.min(progress.bytes ?? 0, shards[i]?.bytes ?? 0);
      }
    });
    const finished = [...done.entries()];
    const read = live.read + finished.reduce((a, [, r]) => a + r.summary.variantsRead, 0);
    const written = live.written + finished.reduce((a, [, r]) => a + r.summary.variantsWritten, 0);
    const bytes = live.bytes + finished.reduce((a, [i]) => a + (shards[i]?.bytes ?? 0), 0);
    options.onProgress?.({ variantsRead: read, variantsWritten: written, bytesRead: Math.min(bytes, totalBytes), totalBytes, phase: "reading" });
    if (done.size === ids.length) {
      return {
        summaries: finished.map(([, r]) => r.summary),
        workers: figuresOf(finished.map(([, r]) => r)),
        retries: finished.reduce((a, [, r]) => a + Math.max(0, r.attempts - 1), 0),
        read,
        written,
        bytes,
        totalBytes,
      };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Per-worker figures from the shard results, numbered in the order the workers first finished a shard. */
function figuresOf(results: readonly QueueJobResult[]): WorkerFigures[] {
  const by = new Map<string, { host: string; pid: number; shards: number; written: number; seconds: number; peak: number }>();
  for (const r of results) {
    const key = `${r.host}:${r.pid}`;
    const w = by.get(key) ?? { host: r.host, pid: r.pid, shards: 0, written: 0, seconds: 0, peak: 0 };
    w.shards++;
    w.written += r.summary.variantsWritten;
    w.seconds += r.seconds;
    w.peak = Math.max(w.peak, r.summary.peakRssMb);
    by.set(key, w);
  }
  const here = hostname();
  return [...by.values()].map((w, i) => ({
    worker: i + 1,
    ...(w.host === here ? {} : { host: w.host }),
    pid: w.pid,
    shards: w.shards,
    variantsWritten: w.written,
    seconds: Math.round(w.seconds * 100) / 100,
    peakRssMb: w.peak,
  }));
}

/** Options of {@link runQueueWorker}. */
export interface QueueWorkerOptions {
  readonly queue: QueueLocation;
  /** This worker's own storage options (e.g. credentials of its machine), over a job's. */
  readonly storageOptions?: Readonly<Record<string, string>>;
  /** Shards at once in this process; default 1 (a shard already keeps a core busy). */
  readonly concurrency?: number;
  /** Seconds a shard's lock lasts without renewal: how soon another worker retries the shard of a dead one; default 30. */
  readonly lockSeconds?: number;
  /** Rows a shard process writes before the next shard gets a fresh one; default RECYCLE_ROWS (./workers.ts). */
  readonly recycleRows?: number;
  /** Stops taking shards; the current ones finish first. */
  readonly signal: AbortSignal;
  /** One line per event worth telling (a shard done or failed, the queue lost). */
  readonly onEvent?: (line: string) => void;
}

/** What a worker did, when it stops. */
export interface QueueWorkerReport {
  readonly shards: number;
  readonly failed: number;
}

/** Input errors fail the same way on every attempt: not retried. */
const FINAL: ReadonlySet<string> = new Set(["VCF_FORMAT", "VCF_REGION", "USAGE", "CONFIG", "PCA"]);

/** Takes shard jobs from the queue until `signal` aborts; see the module comment. */
export async function runQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerReport> {
  await reach(options.queue);
  const host = hostname();
  const lock = (options.lockSeconds ?? 30) * 1000;
  const tell = options.onEvent ?? (() => {});
  const report = { shards: 0, failed: 0 };
  const idle: ShardProcess[] = [];
  const worker = new Worker<QueueJobData, QueueJobResult>(
    options.queue.name,
    async (job) => {
      const t = performance.now();
      const d = job.data;
      try {
        await access(d.input).catch((e: NodeJS.ErrnoException) => {
          throw new VcfAgentError(
            `worker on ${host} cannot open ${d.input} (${e.code === "ENOENT" ? "no such file" : e.message}): give ingest a path every worker can reach, e.g. on a shared file system`,
            "VCF_IO",
          );
        });
        const store = { ...d.config.store } as { storageOptions?: Record<string, string> };
        if (options.storageOptions !== undefined) store.storageOptions = { ...store.storageOptions, ...options.storageOptions };
        new SessionConfig({ ...d.config, store }); // a configuration this worker cannot use fails here, named
        // The shard runs in a process of its own, as a local --workers shard does (./workers.ts).
        const shardProcess = idle.pop() ?? new ShardProcess(options.recycleRows);
        let last = 0;
        let summary: IngestSummary;
        let shardPid: number | undefined;
        try {
          summary = await shardProcess.run(
            {
              id: 0,
              input: d.input,
              region: d.region,
              config: { ...d.config, store },
              // A retried or restarted job may have committed rows: only a first start skips the look-up.
              fresh: d.fresh === true && job.attemptsStarted <= 1,
              ...(d.onInvalid === undefined ? {} : { onInvalid: d.onInvalid }),
            },
            (p) => {
              const now = Date.now();
              if (now - last < 500) return;
              last = now;
              void job.updateProgress({ read: p.variantsRead, written: p.variantsWritten, bytes: p.bytesRead } satisfies QueueJobProgress).catch(() => {});
            },
          );
          shardPid = shardProcess.pid;
        } finally {
          idle.push(shardProcess);
        }
        return { summary, host, pid: process.pid, ...(shardPid === undefined ? {} : { shardPid }), seconds: (performance.now() - t) / 1000 };
      } catch (e) {
        const err = e as { message?: string; code?: string };
        const code = typeof err.code === "string" && isErrorCode(err.code) ? err.code : "STORE";
        await job.updateProgress({ code } satisfies QueueJobProgress).catch(() => {});
        const message = err.message ?? String(e);
        throw FINAL.has(code) ? new UnrecoverableError(message) : new Error(message);
      }
    },
    { connection: connectionOf(options.queue), concurrency: options.concurrency ?? 1, lockDuration: lock, stalledInterval: lock, maxStalledCount: 2, name: `${host}:${process.pid}` },
  );
  let lastError = "";
  let lastErrorAt = 0;
  worker.on("error", (e) => {
    // Redis gone: ioredis reconnects; say so once in a while, not on every retry.
    const now = Date.now();
    if (e.message === lastError && now - lastErrorAt < 10_000) return;
    lastError = e.message;
    lastErrorAt = now;
    tell(`queue ${options.queue.shown}: ${e.message} (retrying)`);
  });
  worker.on("completed", (job, r) => {
    report.shards++;
    tell(`shard ${job.data.region} of ${job.data.input}: ${r.summary.variantsWritten} written, ${r.summary.variantsAlreadyStored} already stored, ${r.seconds.toFixed(1)} s${r.shardPid === undefined ? "" : ` (shard process ${r.shardPid})`}`);
  });
  worker.on("failed", (job, e) => {
    report.failed++;
    tell(`shard ${job?.data.region} of ${job?.data.input}: ${e.message}`);
  });
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await worker.close();
  for (const p of idle) p.close();
  return report;
}
