import type { Command } from "commander";
import { VcfAgentError } from "../errors.js";
import { parseQueueUrl, runQueueWorker } from "../pipeline/queue.js";
import { RECYCLE_ROWS } from "../pipeline/workers.js";
import { action, intFlag } from "./_run.js";
import { sessionFromFlags } from "./_config.js";

interface WorkerFlags {
  queue?: string;
  config?: string;
  storageOption?: string[];
  concurrency?: string;
  lockSeconds?: string;
  processRows?: string;
  quiet?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `vcf-agent worker --queue redis://…`: ingests shards that `vcf-agent ingest FILE --queue` queued, until stopped. */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("take shards that `vcf-agent ingest FILE --queue URL` queued and ingest them, until stopped (Ctrl-C finishes the current shard)")
    .requiredOption("--queue <url>", "the queue: redis://HOST:PORT[/DB][?name=QUEUE]")
    .option("--storage-option <key=value>", "this worker's own object-store options over the planner's, repeatable; credentials come from AWS_* variables", collect)
    .option("--config <file>", "configuration file (JSON or YAML) for this worker's store options")
    .option("--concurrency <n>", "shards at once in this process (default 1)")
    .option("--lock-seconds <s>", "seconds a shard's lock lasts unrenewed: how soon another worker retries the shard of a worker that died (default 30)")
    .option("--process-rows <n>", `rows a shard process writes before the next shard gets a fresh one, which keeps the worker's memory flat (default ${RECYCLE_ROWS})`)
    .option("--quiet", "no line per shard")
    .action(
      action(async (flags: WorkerFlags) => {
        const queue = parseQueueUrl(flags.queue as string);
        const local = await sessionFromFlags({ ...(flags.config === undefined ? {} : { config: flags.config }), ...(flags.storageOption === undefined ? {} : { storageOption: flags.storageOption }) });
        const lockSeconds = intFlag("--lock-seconds", flags.lockSeconds, 30);
        if (lockSeconds < 2) throw new VcfAgentError(`option --lock-seconds: at least 2, got '${flags.lockSeconds}'`, "USAGE");
        const controller = new AbortController();
        const stop = (): void => {
          if (controller.signal.aborted) process.exit(130); // second signal: leave now; a shard cut short is retried elsewhere
          process.stderr.write("vcf-agent worker: stopping after the current shard (Ctrl-C again to leave at once)\n");
          controller.abort();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        const say = (line: string): void => {
          if (!flags.quiet) process.stderr.write(`vcf-agent worker: ${line}\n`);
        };
        say(`taking shards from ${queue.shown} (queue ${queue.name})`);
        const report = await runQueueWorker({
          queue,
          ...(local.store.storageOptions === undefined ? {} : { storageOptions: local.store.storageOptions }),
          concurrency: intFlag("--concurrency", flags.concurrency, 1),
          lockSeconds,
          ...(flags.processRows === undefined ? {} : { recycleRows: intFlag("--process-rows", flags.processRows, 1) }),
          signal: controller.signal,
          onEvent: say,
        });
        say(`stopped: ${report.shards} shards done, ${report.failed} failed attempts`);
      }),
    );
}
