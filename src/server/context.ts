/** What the route modules share: the table, the jobs, metrics and the limits in force. */
import type { IncomingMessage } from "node:http";
import type { SessionConfig } from "../config.js";
import type { VcfAgentMetrics } from "../metrics/prometheus.js";
import type { IngestJobs } from "./jobs.js";
import type { TableHandle } from "../pipeline/table-handle.js";

/** Shared state of one service instance. */
export interface ServerContext {
  readonly config: SessionConfig;
  readonly table: TableHandle;
  readonly jobs: IngestJobs;
  readonly metrics: VcfAgentMetrics;
  /** Largest ingest body accepted, bytes. */
  readonly maxIngestBytes: number;
  /** Where uploaded VCF bodies are written (content-named, see upload.ts). */
  readonly uploadDir: string;
  /** Real paths of the directories `{"path"}` ingest may read from (empty: path ingest off). */
  readonly ingestDirs: readonly string[];
  /** The same directories as configured (absolute, links not resolved): a path may name them either way. */
  readonly ingestDirAliases: readonly string[];
  /** Requests streaming an upload now (destroyed at shutdown). */
  readonly uploads: Set<IncomingMessage>;
  readonly startedAt: number;
  /** Searches run at once; more wait in arrival order. */
  readonly searchConcurrency: number;
}
