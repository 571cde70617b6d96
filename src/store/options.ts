/** What the variant store is opened and called with, and what it reports: defaults, options and results. */
import type { VectorIndexShape } from "./indexes.js";
import type { PcaModelSummary } from "../reduce/model-file.js";
import type { Filter } from "./filters.js";

/** Default database location (a local directory). */
export const DEFAULT_DB_URI = "./vcf-agent-db";
/** Default table name. */
export const DEFAULT_TABLE = "variants";
/**
 * Default refine factor: re-rank k × 20 ANN candidates with exact distances. On 50k × 768-d
 * vectors (bench/store.mjs) IVF_RQ recall@10 is 0.43 / 0.95 / 1.00 at 0 / 10 / 20 on the hard
 * (flat-cluster) set at the same ~17 ms per query; 10 already reaches 1.00 on nested clusters.
 */
export const DEFAULT_REFINE_FACTOR = 20;

/** Options of {@link VariantStore.connect}. */
export interface ConnectOptions {
  /** Table name (letters, digits, `_`, `-`, `.`); default `variants`. */
  readonly table?: string;
  /** Open without requiring write access; writes then fail. */
  readonly readOnly?: boolean;
  /** Passed to LanceDB for object stores (e.g. `aws_region`); never logged. */
  readonly storageOptions?: Record<string, string>;
  /** Seconds between checks for versions other processes committed (LanceDB's read consistency interval); unset: never. */
  readonly readConsistencySeconds?: number;
  /** LanceDB's metadata cache (file metadata and manifests), MiB; default {@link DEFAULT_METADATA_CACHE_MB}. */
  readonly metadataCacheMb?: number;
  /** LanceDB's index cache (loaded ANN/scalar index parts), MiB; default {@link DEFAULT_INDEX_CACHE_MB}. */
  readonly indexCacheMb?: number;
}

/**
 * Default metadata cache. LanceDB's own default (1 GiB) keeps every table version's
 * manifest and file metadata: over 1,000 appends RSS grew by ~300 MB; at 32 MiB it stays
 * flat at the same write speed (docs/performance.md).
 */
export const DEFAULT_METADATA_CACHE_MB = 32;
/** Default index cache: room for the IVF index of a few million 768-d rows (~120 B each). */
export const DEFAULT_INDEX_CACHE_MB = 1024;

/**
 * Most candidate ids {@link AddBatchOptions.mayBeStored} looks up; beyond this a merge-insert
 * is cheaper (1M-row table, 2,048-row batch: look-up of 128 ids ~0.35 CPU-s, 512 ~0.6–0.8,
 * 1,024 ~1.2–1.5 and +126 MB; merge ~0.55–1.05 CPU-s and +66–98 MB; bench/lance-writes.mjs --final).
 */
export const MAX_LOOKUP_IDS = 256;

/** Options of {@link VariantStore.addBatch}. */
export interface AddBatchOptions {
  /**
   * What to do with a row whose variant_id is already stored: `skip` (default) keeps the
   * stored row, `update` replaces it (e.g. after re-annotation). Either way no id is stored twice.
   */
  readonly onConflict?: "skip" | "update";
  /**
   * The caller knows that no id of this batch is stored yet (e.g. an ingest that began
   * on an empty table and has not seen these ids before): write with a plain append and
   * skip merge-insert's scan of the stored ids, whose cost grows with the table. A wrong
   * promise stores an id twice.
   */
  readonly knownNew?: boolean;
  /**
   * The caller knows that, of this batch's ids, only these may be stored already (e.g. an
   * ingest that owns the table and tracks the ids it has sent, approximately): they are
   * looked up exactly, rows whose id is stored are skipped, and the rest is appended. Same
   * result as the merge, without merge-insert's join against every stored id: on a 1M-row
   * table a look-up of 32 ids took ~0.4 CPU-s and +10 MB against ~0.7–1 CPU-s and +66–98 MB
   * for the merge. The look-up's cost grows with the number of ids (1,024: ~1.3 CPU-s), so
   * more than {@link MAX_LOOKUP_IDS} are merged instead. Ignored with `onConflict: "update"`.
   * A wrong promise stores an id twice.
   */
  readonly mayBeStored?: readonly string[];
}

/** What one {@link VariantStore.addBatch} wrote. */
export interface AddBatchResult {
  readonly inserted: number;
  readonly updated: number;
  /** Rows whose id was already stored and left as it was. */
  readonly skipped: number;
  /** Rows dropped because their id appeared earlier in the same batch. */
  readonly duplicatesInBatch: number;
  /** Table version committed by this write (each write is one atomic commit). */
  readonly version: number;
  /** `create` (first batch makes the table), `append` (table was empty, or the caller promised new ids), `merge` (keyed on variant_id) or `none` (empty batch). */
  readonly method: "create" | "append" | "merge" | "none";
}

/** Options of {@link VariantStore.searchVector}. */
export interface SearchOptions {
  /** Number of hits (default 10, at most 10,000). */
  readonly k?: number;
  /** All must hold; strings use the {@link parseFilter} syntax. */
  readonly filters?: readonly (Filter | string)[];
  /** IVF partitions to probe (LanceDB's default when unset). */
  readonly nprobes?: number;
  /** Re-rank k × refineFactor ANN candidates exactly (default {@link DEFAULT_REFINE_FACTOR}; 0 turns it off). */
  readonly refineFactor?: number;
  /** Exact (flat) search, ignoring any vector index. */
  readonly exact?: boolean;
  /** Return each hit's vector too (default false). */
  readonly includeVector?: boolean;
}

/** One index of the table, as reported by {@link VariantStore.stats}. */
export interface IndexSummary {
  readonly name: string;
  /** LanceDB's name for it, e.g. `IvfPq`, `BTree`, `Bitmap`. */
  readonly type: string;
  readonly columns: readonly string[];
  readonly indexedRows: number;
  /** Rows added since the index was built; searched by brute force until re-indexed. */
  readonly unindexedRows: number;
  readonly distanceType?: string;
  /** Bytes of the index files (local tables only). */
  readonly bytesOnDisk: number | "unknown";
}

/** What {@link VariantStore.stats} reports; every figure is read from the table or the disk. */
export interface StoreStats {
  readonly uri: string;
  readonly table: string;
  /** False until the first batch creates the table. */
  readonly exists: boolean;
  readonly rows: number;
  /** Vector width, fixed when the table was created. */
  readonly dims: number | null;
  readonly version: number | null;
  /** Bytes of the table directory (data, indexes, versions); "unknown" for object stores. */
  readonly bytesOnDisk: number | "unknown";
  readonly indices: readonly IndexSummary[];
  /** Metadata of the PCA model saved next to the table (`<table>.pca`), null when there is none. */
  readonly pcaModel: PcaModelSummary | null | "unknown";
}

/** What {@link VariantStore.createVectorIndex} built. */
export interface VectorIndexResult extends VectorIndexShape {
  readonly name: string;
  readonly rows: number;
  readonly seconds: number;
}

/** The connect options a session's store configuration gives (object-store options, read consistency). */
export function storageOf(config: {
  readonly store: { readonly storageOptions?: Readonly<Record<string, string>> | undefined; readonly readConsistencySeconds?: number | undefined };
}): Pick<ConnectOptions, "storageOptions" | "readConsistencySeconds"> {
  const o = config.store.storageOptions;
  const r = config.store.readConsistencySeconds;
  return { ...(o === undefined ? {} : { storageOptions: { ...o } }), ...(r === undefined ? {} : { readConsistencySeconds: r }) };
}
