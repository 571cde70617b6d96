/**
 * Index choices for a variant table: which scalar index each filter column gets, and
 * the default shape of the ANN index (partitions, sub-vectors) for a table's size and width.
 */
import { Index } from "@lancedb/lancedb";
import { VcfAgentError } from "../errors.js";

/** ANN index kinds offered. All use cosine distance (stored vectors are unit length). */
export type VectorIndexType = "ivf_pq" | "ivf_rq" | "hnsw_sq";

/** Default ANN index: IVF_RQ (RaBitQ, 1 bit per dimension), see {@link VectorIndexOptions.type}. */
export const DEFAULT_VECTOR_INDEX: VectorIndexType = "ivf_rq";

/** The vector index kinds, for option validation and help text. */
export const VECTOR_INDEX_TYPES: readonly VectorIndexType[] = ["ivf_pq", "ivf_rq", "hnsw_sq"];

/**
 * Scalar indexes made by `createScalarIndexes`. BTREE for high-cardinality columns
 * (ids, positions, genes, allele frequencies: `<`/`between` too); BITMAP for the few-valued ones (chromosome, significance,
 * consequence), where a bitmap per value is small and answers `=`/`IN` without a scan.
 */
export const SCALAR_INDEXES: readonly { column: string; kind: "btree" | "bitmap" }[] = [
  { column: "variant_id", kind: "btree" },
  { column: "pos", kind: "btree" },
  { column: "gene", kind: "btree" },
  { column: "af", kind: "btree" },
  { column: "chrom", kind: "bitmap" },
  { column: "clinical_significance", kind: "bitmap" },
  { column: "consequence", kind: "bitmap" },
];

/** Progress of an index build. LanceDB 0.37 reports no fraction done, so this is a heartbeat with elapsed time. */
export interface IndexProgress {
  readonly index: string;
  readonly phase: "building" | "done";
  readonly elapsedSeconds: number;
  /** Rows the index is built over. */
  readonly rows: number;
}

/** Options of `createVectorIndex`. Unset sizes are chosen by {@link chooseVectorIndexShape}. */
export interface VectorIndexOptions {
  /** Default `ivf_rq`: measured to build ~17× faster than `ivf_pq` at equal size and recall (docs/store.md). */
  readonly type?: VectorIndexType;
  /** IVF partitions; default √rows, at most rows/256. */
  readonly numPartitions?: number;
  /** PQ sub-vectors (ivf_pq only); must divide the width; default width/8 (8 floats → 1 byte each). */
  readonly numSubVectors?: number;
  /**
   * Vectors sampled per IVF partition to train k-means (LanceDB's `sampleRate`; the training
   * set is `sampleRate × numPartitions` vectors, held in memory while k-means runs).
   * Default {@link DEFAULT_SAMPLE_RATE} for the type.
   */
  readonly sampleRate?: number;
  /** Replace an existing vector index (default true). */
  readonly replace?: boolean;
  /** Called about once a second while the index builds, and once when it is done. */
  readonly onProgress?: (progress: IndexProgress) => void;
}

/** The resolved shape of a vector index. */
export interface VectorIndexShape {
  readonly type: VectorIndexType;
  readonly numPartitions: number;
  /** ivf_pq only. */
  readonly numSubVectors?: number;
  /** Training vectors per IVF partition for k-means. */
  readonly sampleRate: number;
  /** Bytes of compressed code per vector (excluding row ids and graph links). */
  readonly codeBytesPerVector: number;
}

/** LanceDB's own default training sample per IVF partition. */
export const LANCE_SAMPLE_RATE = 256;

/**
 * Default k-means training sample per IVF partition, by index type. The training set is
 * `sampleRate × numPartitions × width` floats held at once, the largest allocation of a build.
 * IVF_RQ and IVF_PQ train on 64: at 1M × 768-d their builds peak at 609–795 MB instead of
 * ~1,760 MB with recall@10 within build-to-build noise (docs/performance.md). HNSW_SQ was not
 * measured and keeps LanceDB's 256.
 */
export const DEFAULT_SAMPLE_RATE: Readonly<Record<VectorIndexType, number>> = {
  ivf_pq: 64,
  ivf_rq: 64,
  hnsw_sq: LANCE_SAMPLE_RATE,
};

/** PQ codebooks have 256 centroids per sub-vector, so training needs at least that many rows. */
export const MIN_ROWS_FOR_PQ = 256;

/**
 * Default index shape for `rows` vectors of width `dims`: √rows partitions (at most rows/256,
 * so k-means has 256 training rows per partition), and for IVF_PQ sub-vectors of 8 floats each (SIMD
 * friendly in Lance) giving dims/8 code bytes — 192 for 1536-d, 96 for 768-d; wider vectors
 * get longer sub-vectors so the code stays within 200 bytes.
 * @throws VcfAgentError code "USAGE" for sizes that cannot work (sub-vectors not dividing dims).
 */
export function chooseVectorIndexShape(rows: number, dims: number, options: VectorIndexOptions = {}): VectorIndexShape {
  const type = options.type ?? DEFAULT_VECTOR_INDEX;
  if (!VECTOR_INDEX_TYPES.includes(type)) {
    throw new VcfAgentError(`vector index type ${JSON.stringify(type)} is not one of ${VECTOR_INDEX_TYPES.join(", ")}`, "USAGE");
  }
  const numPartitions = options.numPartitions ?? defaultPartitions(rows);
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new VcfAgentError(`numPartitions must be a positive integer, got ${numPartitions}`, "USAGE");
  }
  const sampleRate = options.sampleRate ?? DEFAULT_SAMPLE_RATE[type];
  if (!Number.isSafeInteger(sampleRate) || sampleRate < 1) {
    throw new VcfAgentError(`sampleRate (training vectors per IVF partition) must be a positive integer, got ${sampleRate}`, "USAGE");
  }
  if (type !== "ivf_pq" && options.numSubVectors !== undefined) {
    throw new VcfAgentError(`numSubVectors applies to ivf_pq only, not ${type}`, "USAGE");
  }
  if (type === "ivf_rq") return { type, numPartitions, sampleRate, codeBytesPerVector: Math.ceil(dims / 8) };
  if (type === "hnsw_sq") return { type, numPartitions, sampleRate, codeBytesPerVector: dims };
  const numSubVectors = options.numSubVectors ?? defaultSubVectors(dims);
  if (!Number.isInteger(numSubVectors) || numSubVectors < 1 || dims % numSubVectors !== 0) {
    throw new VcfAgentError(`numSubVectors must be a positive divisor of the vector width ${dims}, got ${numSubVectors}`, "USAGE");
  }
  return { type, numPartitions, numSubVectors, sampleRate, codeBytesPerVector: numSubVectors };
}

/** √rows, but no more than rows/256: Lance trains k-means on 256 rows per partition and warns below that. */
function defaultPartitions(rows: number): number {
  return Math.max(1, Math.min(Math.round(Math.sqrt(rows)), Math.floor(rows / 256)));
}

function defaultSubVectors(dims: number): number {
  for (const subLength of [8, 16, 32, 64, 4, 2]) {
    if (dims % subLength === 0 && dims / subLength <= 200) return dims / subLength;
  }
  return 1;
}

/** The LanceDB index config for a resolved shape (cosine distance throughout). */
export function vectorIndexConfig(shape: VectorIndexShape): Index {
  switch (shape.type) {
    case "ivf_pq":
      return Index.ivfPq({ distanceType: "cosine", numPartitions: shape.numPartitions, numSubVectors: shape.numSubVectors, sampleRate: shape.sampleRate });
    case "ivf_rq":
      return Index.ivfRq({ distanceType: "cosine", numPartitions: shape.numPartitions, sampleRate: shape.sampleRate });
    case "hnsw_sq":
      return Index.hnswSq({ distanceType: "cosine", numPartitions: shape.numPartitions, sampleRate: shape.sampleRate });
  }
}

/** The LanceDB config for one scalar index kind. */
export function scalarIndexConfig(kind: "btree" | "bitmap"): Index {
  return kind === "btree" ? Index.btree() : Index.bitmap();
}
