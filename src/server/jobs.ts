/**
 * Background ingest jobs: at most one at a time (a second request gets 429 — queuing
 * would hold a client's upload on disk with no promise of when it runs). A job runs
 * `ingestVcf` with an AbortSignal; shutdown aborts it, the pipeline commits the current
 * batch and checkpoints, and a later job on the same file resumes from there.
 */
import { randomUUID } from "node:crypto";
import type { SessionConfig } from "../config.js";
import type { EmbeddingProvider } from "../providers/provider.js";
import { VcfAgentError } from "../errors.js";
import { IngestMetrics } from "../metrics/ingest.js";
import type { VcfAgentMetrics } from "../metrics/prometheus.js";
import { ingestVcf, type IngestProgress, type IngestSummary } from "../pipeline/ingest.js";

/** Where a job is in its life. */
export type JobState = "queued" | "running" | "done" | "failed" | "interrupted";

/** What a job ingests: an uploaded body or a server-local file. */
export type JobSource =
  | { readonly kind: "upload"; readonly name: string; readonly bytes: number; readonly sha256: string; readonly reused: boolean }
  | { readonly kind: "path"; readonly path: string };

/** A job as the API reports it. */
export interface IngestJob {
  readonly id: string;
  state: JobState;
  readonly source: JobSource;
  readonly createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: IngestProgress | null;
  summary: IngestSummary | null;
  error: string | null;
  /** The error's code (VCF_FORMAT, STORE, PROVIDER, …) when it failed. */
  errorCode: string | null;
}

/** A claim on the single ingest slot, held from the first byte of an upload. */
export interface Reservation {
  release(): void;
}

/** Options of {@link IngestJobs}. */
export interface IngestJobsOptions {
  readonly config: SessionConfig;
  readonly provider: EmbeddingProvider;
  readonly metrics?: VcfAgentMetrics;
  /** Called after every job (the searched table must be reopened). */
  readonly onFinished?: (job: IngestJob) => void | Promise<void>;
  /** Log line for a job event; never receives VCF content. */
  readonly log?: (message: string) => void;
  /** Finished jobs kept for GET /v1/jobs/:id (oldest dropped first); default 100. */
  readonly keep?: number;
}

/** The job table and the single runner. */
export class IngestJobs {
  private readonly jobs = new Map<string, IngestJob>();
  private busy = false;
  private running: { job: IngestJob; controller: AbortController; done: Promise<void> } | null = null;
  private closed = false;

  constructor(private readonly options: IngestJobsOptions) {}

  /** Claims the ingest slot, or returns null while another upload or job holds it. */
  reserve(): Reservation | null {
    if (this.busy || this.closed) return null;
    this.busy = true;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (this.running === null) this.busy = false;
      },
    };
  }

  /**
   * Starts a job on `input` with a held reservation; `cleanup(job)` runs after it ends.
   * @returns the job, already `running`.
   */
  start(reservation: Reservation, input: string, source: JobSource, opts: { onInvalid?: "error" | "skip"; cleanup?: (job: IngestJob) => Promise<void> } = {}): IngestJob {
    if (this.closed) throw new VcfAgentError("the service is shutting down", "USAGE");
    const job: IngestJob = {
      id: randomUUID(),
      state: "queued",
      source,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      progress: null,
      summary: null,
      error: null,
      errorCode: null,
    };
    this.jobs.set(job.id, job);
    this.prune();
    const controller = new AbortController();
    const release = (): void => {
      this.running = null;
      this.busy = false;
      reservation.release();
    };
    const done = this.run(job, input, controller.signal, opts, release);
    this.running = { job, controller, done };
    return job;
  }

  /** A job by id. */
  get(id: string): IngestJob | undefined {
    return this.jobs.get(id);
  }

  /** Jobs, newest first. */
  list(): IngestJob[] {
    return [...this.jobs.values()].reverse();
  }

  /** The running job, if any. */
  get active(): IngestJob | null {
    return this.running?.job ?? null;
  }

  /** Refuses new jobs, aborts the running one and waits until it has committed and checkpointed. */
  async shutdown(): Promise<void> {
    this.closed = true;
    const r = this.running;
    if (r === null) return;
    r.controller.abort();
    await r.done;
  }

  /**
   * Runs a job to its end. The terminal state is published last, after cleanup, the
   * table reopen and the slot's release: a client that sees `done` can search the new
   * rows and start the next job at once.
   */
  private async run(
    job: IngestJob,
    input: string,
    signal: AbortSignal,
    opts: { onInvalid?: "error" | "skip"; cleanup?: (job: IngestJob) => Promise<void> },
    release: () => void,
  ): Promise<void> {
    const { config, provider, metrics, log } = this.options;
    // Let the 202 go out before the pipeline's first synchronous work.
    await new Promise((resolve) => setImmediate(resolve));
    job.state = "running";
    job.startedAt = new Date().toISOString();
    log?.(`ingest job ${job.id} started`);
    const tracker = metrics === undefined ? null : new IngestMetrics(metrics, provider);
    let final: JobState;
    try {
      const summary = await ingestVcf({
        input,
        config,
        provider,
        signal,
        onInvalid: opts.onInvalid ?? "error",
        onProgress: (p) => {
          job.progress = p;
          tracker?.progress(p);
        },
      });
      tracker?.finish(summary);
      job.summary = summary;
      // The last progress call precedes the final write; the summary has the final counts.
      if (job.progress !== null) job.progress = { ...job.progress, variantsRead: summary.variantsRead, variantsWritten: summary.variantsWritten };
      final = summary.interrupted ? "interrupted" : "done";
    } catch (err) {
      const stopped = signal.aborted && (err === signal.reason || (err instanceof Error && err.name === "AbortError"));
      tracker?.finish(err, stopped);
      if (stopped) {
        // Stopped during PCA training, before any write: resumable like any interrupted job (the upload is kept).
        final = "interrupted";
      } else {
        final = "failed";
        job.error = err instanceof Error ? err.message : String(err);
        job.errorCode = err instanceof VcfAgentError ? err.code : "INTERNAL";
      }
    }
    // The error text can quote VCF content; the log gets the state and the error's class only.
    log?.(`ingest job ${job.id} ${final}` + (final === "failed" ? ` (${job.errorCode})` : ""));
    try {
      await opts.cleanup?.({ ...job, state: final });
      await this.options.onFinished?.({ ...job, state: final });
    } catch (err) {
      log?.(`ingest job ${job.id}: cleanup failed: ${(err as Error).message}`);
    } finally {
      release();
      job.finishedAt = new Date().toISOString();
      job.state = final;
    }
  }

  private prune(): void {
    const keep = this.options.keep ?? 100;
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= keep) break;
      if (job.state !== "running" && job.state !== "queued") this.jobs.delete(id);
    }
  }
}
