/**
 * A worker process of a sharded ingest (./workers.ts): takes shard jobs over IPC, ingests
 * each with `ingestVcf({ shard: true })` into the one table, and reports progress and the
 * summary back. Secrets come from this process's environment and the job's configuration,
 * never from a file. Exits when the parent disconnects.
 */
import { SessionConfig } from "../config.js";
import { ingestVcf } from "./ingest.js";
import type { ShardJob, WorkerMessage } from "./workers.js";

const send = (m: WorkerMessage): void => {
  process.send?.(m);
};

let queue: Promise<void> = Promise.resolve();

process.on("message", (job: ShardJob) => {
  queue = queue.then(() => run(job));
});
process.on("disconnect", () => process.exit(0));

async function run(job: ShardJob): Promise<void> {
  let last = 0;
  try {
    const config = new SessionConfig(job.config);
    const summary = await ingestVcf({
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
    send({ type: "done", id: job.id, summary });
  } catch (e) {
    const err = e as { message?: string; code?: string };
    send({ type: "failed", id: job.id, message: err.message ?? String(e), code: err.code ?? "STORE" });
  }
}

send({ type: "ready" });
