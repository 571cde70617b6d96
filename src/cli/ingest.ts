import type { Command } from "commander";
import { VcfAgentError } from "../errors.js";
import { ingestVcf, type IngestProgress, type IngestSummary } from "../pipeline/ingest.js";
import { DEFAULT_QUEUE_SHARDS, ingestWithQueue, parseQueueUrl } from "../pipeline/queue.js";
import { ingestWithWorkers, RECYCLE_ROWS, ShardedIngestInterrupted, type ShardedIngestSummary } from "../pipeline/workers.js";
import { startIngestMetrics } from "./_ingest-metrics.js";
import { Progress } from "./_progress.js";
import { action, write, intFlag } from "./_run.js";
import { configOptions, sessionFromFlags, type ConfigFlags } from "./_config.js";

interface IngestFlags extends ConfigFlags {
  region?: string;
  onInvalid: string;
  quiet?: boolean;
  format: string;
  index?: boolean;
  metricsPort?: string;
  workers?: string;
  queue?: string;
  shards?: string;
  processRows?: string;
}

/** The end-of-ingest summary, as people read it. */
export function formatSummary(s: IngestSummary): string {
  const lines = [
    `${s.interrupted ? "interrupted" : "ingested"} ${s.source} into table ${s.table} (${s.uri})`,
    `  variants: ${s.variantsRead} read, ${s.variantsWritten} written, ${s.variantsAlreadyStored} already stored` +
      (s.resumedFrom > 0 ? ` (resumed after ${s.resumedFrom})` : ""),
    `  skipped: ${s.skippedReferenceOnly} reference-only, ${s.skippedInvalid} invalid, ${s.duplicatesInFile} duplicates in file`,
    `  time: ${s.seconds.toFixed(2)} s, ${s.variantsPerSecond} variants/s, peak RSS ${s.peakRssMb} MB`,
    `  embeddings: ${s.dims} dims (${s.reduction})` +
      (s.varianceRetained === null ? "" : `, variance retained ${(100 * s.varianceRetained).toFixed(2)}%`) +
      `, cache hit rate ${s.cacheHitRate}%`,
    `  table: ${s.tableRows} rows` +
      (s.index ? `, ${s.index.type} index built in ${s.index.seconds.toFixed(1)} s` : "") +
      (s.scalarIndexes ? `, ${s.scalarIndexes.columns.length} scalar indexes in ${s.scalarIndexes.seconds.toFixed(1)} s` : ""),
  ];
  if (s.warnings > 0) lines.push(`  warnings: ${s.warnings}`, ...s.warningMessages.map((m) => `    ${m}`));
  if (s.skippedInvalid > 0) lines.push(...s.invalidMessages.map((m) => `    skipped: ${m}`));
  if (s.interrupted) lines.push("  rerun the same command to resume; nothing committed is lost");
  const sharded = s as Partial<ShardedIngestSummary>;
  if (sharded.workers !== undefined && sharded.workers.length > 0) {
    lines.push(`  shards: ${sharded.shards}, ${sharded.retries} retried after their worker stopped`);
    for (const w of sharded.workers) {
      lines.push(`    worker ${w.worker} (${w.host === undefined ? "" : `${w.host}, `}pid ${w.pid}${w.processes === undefined ? "" : ` and ${w.processes - 1} after it`}): ${w.shards} shards, ${w.variantsWritten} written, ${w.seconds.toFixed(1)} s, peak RSS ${w.peakRssMb} MB${w.lost ? `, stopped (${w.lost})` : ""}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** `vcf-agent ingest <file|->`: VCF → descriptions → embeddings → PCA → LanceDB, resumable. */
export function registerIngest(program: Command): void {
  const command = program
    .command("ingest")
    .description("describe, embed and store every variant of a VCF (idempotent and resumable)")
    .argument("<file>", "VCF file (plain, gzip or bgzip), or - for standard input")
    .option("--region <region>", "only this region, e.g. chr17:43044295-43125483 (needs a .tbi or .csi index)");
  configOptions(command, { store: true, level: true, provider: true })
    .option("--on-invalid <mode>", "error: stop at the first bad record; skip: count bad records and go on", "error")
    .option("--index", "build the ANN index after ingest even when the level does not")
    .option("--format <format>", "summary as text or json", "text")
    .option("--quiet", "no progress output")
    .option("--metrics-port <port>", "serve Prometheus metrics at http://127.0.0.1:PORT/metrics while ingesting")
    .option("--workers <n>", "split the file by its tabix/CSI index and ingest it with N local worker processes")
    .option("--queue <url>", "split the file likewise and queue its shards on Redis (redis://HOST:PORT[/DB][?name=QUEUE]) for `vcf-agent worker` processes on any machine")
    .option("--shards <n>", `number of shards for --workers or --queue (default 4 per worker, ${DEFAULT_QUEUE_SHARDS} on a queue)`)
    .option("--process-rows <n>", `with --workers: rows a worker process writes before its next shard gets a fresh process, which keeps each worker's memory flat (default ${RECYCLE_ROWS})`)
    .action(
      action(async (file: string, flags: IngestFlags) => {
        if (flags.onInvalid !== "error" && flags.onInvalid !== "skip") {
          throw new VcfAgentError(`option --on-invalid: expected error or skip, got '${flags.onInvalid}'`, "USAGE");
        }
        if (flags.format !== "text" && flags.format !== "json") {
          throw new VcfAgentError(`option --format: expected text or json, got '${flags.format}'`, "USAGE");
        }
        const config = await sessionFromFlags(flags);
        const exporter = flags.metricsPort === undefined ? null : await startIngestMetrics(config, flags.metricsPort);
        const controller = new AbortController();
        const stop = (): void => {
          if (controller.signal.aborted) process.exit(130); // second Ctrl-C: leave now; committed rows stay
          process.stderr.write("\nvcf-agent: stopping after the current batch (Ctrl-C again to leave at once)\n");
          controller.abort();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        let progress: Progress | undefined;
        const onProgress = (p: IngestProgress): void => {
          exporter?.progress(p);
          progress ??= new Progress("ingest", { quiet: flags.quiet ?? false, totalBytes: p.totalBytes });
          progress.update({ variants: p.variantsRead, bytesRead: p.bytesRead, totalBytes: p.totalBytes });
        };
        try {
          if (flags.processRows !== undefined && flags.workers === undefined) {
            throw new VcfAgentError("option --process-rows: only with --workers (queue workers take it themselves: vcf-agent worker --process-rows N)", "USAGE");
          }
          if (flags.workers !== undefined || flags.queue !== undefined || flags.shards !== undefined) {
            const given = flags.queue !== undefined ? "--queue" : flags.workers !== undefined ? "--workers" : "--shards";
            if (flags.region !== undefined) throw new VcfAgentError(`options ${given} and --region: a sharded ingest reads the whole file; use one or the other`, "USAGE");
            if (flags.workers !== undefined && flags.queue !== undefined) {
              throw new VcfAgentError("options --workers and --queue: local worker processes or a queue for `vcf-agent worker` processes, not both", "USAGE");
            }
            const shards = flags.shards === undefined ? {} : { shards: intFlag("--shards", flags.shards, 1) };
            const common = { input: file, config, onInvalid: flags.onInvalid as "error" | "skip", ...(flags.index ? { buildIndex: true } : {}), ...shards, onProgress };
            const queue = flags.queue === undefined ? undefined : parseQueueUrl(flags.queue);
            const summary =
              queue !== undefined
                ? await ingestWithQueue({
                    ...common,
                    queue,
                    signal: controller.signal,
                    onQueued: (n) => {
                      if (!flags.quiet) process.stderr.write(`vcf-agent: ${n} shards queued on ${queue.shown}; workers take them: vcf-agent worker --queue URL\n`);
                    },
                  })
                : await ingestWithWorkers({
                    ...common,
                    workers: intFlag("--workers", flags.workers, 1),
                    ...(flags.processRows === undefined ? {} : { recycleRows: intFlag("--process-rows", flags.processRows, 1) }),
                    signal: controller.signal,
                  });
            exporter?.finish(summary);
            progress?.stop();
            await write(flags.format === "json" ? JSON.stringify(summary, null, 2) + "\n" : formatSummary(summary));
            return;
          }
          const summary = await ingestVcf({
            input: file,
            config,
            ...(flags.region === undefined ? {} : { region: flags.region }),
            onInvalid: flags.onInvalid,
            signal: controller.signal,
            ...(flags.index ? { buildIndex: true } : {}),
            ...(exporter ? { provider: exporter.provider } : {}),
            onProgress,
          });
          exporter?.finish(summary);
          progress?.stop();
          await write(flags.format === "json" ? JSON.stringify(summary, null, 2) + "\n" : formatSummary(summary));
          if (summary.interrupted) process.exitCode = 130;
        } catch (err) {
          exporter?.finish(err);
          progress?.stop();
          if (err instanceof ShardedIngestInterrupted) {
            process.stderr.write(`vcf-agent: ${err.message}\n`);
            process.exitCode = 130;
            return;
          }
          // Stopped before the first commit (PCA training): nothing to report but that.
          if (controller.signal.aborted && isAbort(err, controller.signal)) {
            process.stderr.write("vcf-agent: interrupted before anything was written; rerun the same command to start again\n");
            process.exitCode = 130;
            return;
          }
          throw err;
        } finally {
          await exporter?.close();
          progress?.stop();
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
      }),
    );
}

/** True when `err` is how `signal`'s abort surfaced (its reason, or an AbortError). */
function isAbort(err: unknown, signal: AbortSignal): boolean {
  return err === signal.reason || (err instanceof Error && err.name === "AbortError");
}
