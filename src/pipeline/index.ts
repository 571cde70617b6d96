/** Whole jobs over a table: ingest a VCF (bounded, resumable) and search it. */
export { ingestVcf, MIN_INDEX_ROWS, type IngestOptions, type IngestSummary, type IngestProgress } from "./ingest.js";
export { VariantSearch, type QueryOptions, type HitProvenance, type TracedHit } from "./search.js";
