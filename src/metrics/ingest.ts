/**
 * Feeds one ingest run into {@link VcfAgentMetrics}: live read/written counts from the
 * pipeline's progress callback, skip reasons and the outcome from its summary.
 */
import type { EmbeddingProvider } from "../providers/provider.js";
import type { IngestProgress, IngestSummary } from "../pipeline/ingest.js";
import type { IngestOutcome, VcfAgentMetrics } from "./prometheus.js";

const ROLE = "ingest";

/**
 * Tracks one ingest run. Pass the run's provider to `ingestVcf` so the pipeline's
 * embedding service is adopted (cache, width, PCA, batch latency) at its first batch.
 * @example
 * const run = new IngestMetrics(metrics, provider);
 * const summary = await ingestVcf({ input, config, provider, onProgress: (p) => run.progress(p) });
 * run.finish(summary);
 */
export class IngestMetrics {
  private read = 0;
  private written = 0;
  private finished = false;

  constructor(
    private readonly metrics: VcfAgentMetrics,
    provider: EmbeddingProvider,
  ) {
    metrics.trackProvider(provider, ROLE);
    metrics.ingest.running.inc();
  }

  /** Counts what was read and written since the last call. */
  progress(p: IngestProgress): void {
    this.advance(p.variantsRead, p.variantsWritten);
  }

  /**
   * Closes the run: final counts and skip reasons from `result` (a summary), or a
   * failure when `result` is an error — an interruption when `interrupted` (a stop during
   * PCA training surfaces as the abort's error, not as a summary). Calling it twice does nothing.
   */
  finish(result: IngestSummary | unknown, interrupted = false): void {
    if (this.finished) return;
    this.finished = true;
    const m = this.metrics.ingest;
    let outcome: IngestOutcome = interrupted ? "interrupted" : "failed";
    if (isSummary(result)) {
      this.advance(result.variantsRead, result.variantsWritten);
      m.skipped.inc({ reason: "reference_only" }, result.skippedReferenceOnly);
      m.skipped.inc({ reason: "invalid" }, result.skippedInvalid);
      m.skipped.inc({ reason: "duplicate_in_file" }, result.duplicatesInFile);
      // Variants found already stored by the merge (a resumed run's checkpointed prefix is not re-read as new work).
      m.skipped.inc({ reason: "already_stored" }, Math.max(0, result.variantsAlreadyStored - result.resumedFrom));
      outcome = result.interrupted ? "interrupted" : "done";
    }
    m.jobs.inc({ outcome });
    m.running.dec();
    this.metrics.retireRole(ROLE);
  }

  private advance(read: number, written: number): void {
    // Progress counts only grow within a run; guard anyway so a counter never goes down.
    if (read > this.read) {
      this.metrics.ingest.read.inc(read - this.read);
      this.read = read;
    }
    if (written > this.written) {
      this.metrics.ingest.ingested.inc(written - this.written);
      this.written = written;
    }
  }
}

function isSummary(x: unknown): x is IngestSummary {
  return typeof x === "object" && x !== null && "variantsWritten" in x && "interrupted" in x;
}
