/**
 * A worker process of a sharded ingest (./workers.ts): takes shard jobs over IPC, ingests
 * each with `ingestVcf({ shard: true })` into the one table, and reports progress and the
 * summary back. Secrets come from this process's environment and the job's configuration,
 * never from a file. Exits when the parent disconnects.
 */
import { SessionConfig } from "../config.js";
import { createProvider } from "../providers/create.js";
import type { EmbeddingProvider } from "../providers/provider.js";
import { ingestVcf } from "./ingest.js";
import type { ShardJob, WorkerMessage } from "./workers.js";

const send = (m: WorkerMessage): void => {
  process.send?.(m);
};

let queue: Promise<void> = Promise.resolve();

/** The provider of the last job's configuration: shards of one ingest share it (and its loaded model). */
let provider: { key: string; value: EmbeddingProvider } | undefined;

process.on("message", (job: ShardJob) => {
  queue = queue.then(() => run(job));
});
process.on("disconnect", () => process.exit(0));
// A Ctrl-C in the terminal reaches the whole process group: the parent decides (it stops this
// process, or lets the current shard finish), and this process exits when the parent goes.
process.on("SIGINT", () => {});

async function run(job: ShardJob): Promise<void> {
  let last = 0;
  try {
    const config = new SessionConfig(job.config);
    const key = JSON.stringify([config.embedding, config.memoryOptimization.toJSON()]);
    if (provider?.key !== key) provider = { key, value: createProvider(config.embedding, config.memoryOptimization) };
    const summary = await ingestVcf({
      provider: provider.value,
      input: job.input,
      config,
      region: job.region,
      shard: true,
      shardFresh: job.fresh === true,
      buildIndex: false,
      ...(job.onInvalid === undefined ? {} : { onInvalid: job.onInvalid }),
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 200) return;
        last = now;
        send({ type: "progress", id: job.id, variantsRead: p.variantsRead, variantsWritten: p.variantsWritten, bytesRead: p.bytesRead });
      },
    });
    // The shard's cache, batches and store are garbage now: collect them before the next shard
    // allocates its own, instead of letting two shards' worth accumulate (the parent starts this
    // process with --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    send({ type: "done", id: job.id, summary });
  } catch (e) {
    const err = e as { message?: string; code?: string };
    send({ type: "failed", id: job.id, message: err.message ?? String(e), code: err.code ?? "STORE" });
  }
}

send({ type: "ready" });
