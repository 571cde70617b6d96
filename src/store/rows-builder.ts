/**
 * {@link VariantRowsBuilder}: collects variants one at a time into the columnar
 * {@link VariantRows} that `VariantStore.addBatch` writes, copying each vector into one
 * preallocated Float32Array (no per-row vector objects are kept).
 */
import { VcfAgentError } from "../errors.js";
import type { VariantRows } from "./schema.js";

/** One variant's stored fields, as the ingest pipeline has them. */
export interface VariantRowInput {
  readonly variantId: string;
  readonly chrom: string;
  readonly pos: number;
  readonly ref: string;
  readonly alt: string;
  /** The VCF ID column (empty for `.`). */
  readonly id: string;
  readonly qual: number | null;
  /** FILTER values (joined with `;`, `.` when empty) or the column text. */
  readonly filter: string | readonly string[];
  readonly gene?: string | null;
  readonly consequence?: string | null;
  readonly clinicalSignificance?: string | null;
  readonly condition?: string | null;
  readonly af?: number | null;
  /** The text that was embedded. */
  readonly description: string;
}

/**
 * Builds batches of at most `capacity` rows of width `dims` for one source file.
 * @example
 * const b = new VariantRowsBuilder(768, 2000, "sample.vcf.gz");
 * for (const [v, vec] of described) {
 *   b.push(v, vec);
 *   if (b.full) await store.addBatch(b.build());
 * }
 * if (b.length > 0) await store.addBatch(b.build());
 */
export class VariantRowsBuilder {
  /** Vector width of every row. */
  readonly dims: number;
  /** Rows per batch. */
  readonly capacity: number;
  /** The `source` column of every row. */
  readonly source: string;
  #vectors: Float32Array;
  #pos: Float64Array;
  #qual: Float64Array;
  #af: Float64Array;
  #text = newTextColumns();
  #n = 0;

  constructor(dims: number, capacity: number, source: string) {
    if (!Number.isInteger(dims) || dims < 1) throw new VcfAgentError(`dims must be a positive integer, got ${dims}`, "USAGE");
    if (!Number.isInteger(capacity) || capacity < 1) throw new VcfAgentError(`capacity must be a positive integer, got ${capacity}`, "USAGE");
    this.dims = dims;
    this.capacity = capacity;
    this.source = source;
    this.#vectors = new Float32Array(capacity * dims);
    this.#pos = new Float64Array(capacity);
    this.#qual = new Float64Array(capacity);
    this.#af = new Float64Array(capacity);
  }

  /** Rows collected since the last {@link build}. */
  get length(): number {
    return this.#n;
  }

  /** True when the next {@link push} would exceed `capacity`: time to {@link build}. */
  get full(): boolean {
    return this.#n === this.capacity;
  }

  /**
   * Adds one row; `vector` is copied.
   * @throws VcfAgentError code "STORE" when the builder is full or the vector has another width.
   */
  push(row: VariantRowInput, vector: Float32Array): void {
    if (this.#n === this.capacity) throw new VcfAgentError(`batch of ${this.source} is full (${this.capacity} rows); call build() first`, "STORE");
    if (vector.length !== this.dims) {
      throw new VcfAgentError(`${this.source}: vector of ${row.variantId} has ${vector.length} dims; the batch holds ${this.dims}`, "STORE");
    }
    const i = this.#n;
    this.#vectors.set(vector, i * this.dims);
    this.#pos[i] = row.pos;
    this.#qual[i] = row.qual ?? Number.NaN;
    this.#af[i] = row.af ?? Number.NaN;
    const t = this.#text;
    t.variantId.push(row.variantId);
    t.chrom.push(row.chrom);
    t.ref.push(row.ref);
    t.alt.push(row.alt);
    t.id.push(row.id);
    t.filter.push(typeof row.filter === "string" ? row.filter : row.filter.length === 0 ? "." : row.filter.join(";"));
    t.gene.push(row.gene ?? null);
    t.consequence.push(row.consequence ?? null);
    t.clinicalSignificance.push(row.clinicalSignificance ?? null);
    t.condition.push(row.condition ?? null);
    t.description.push(row.description);
    this.#n++;
  }

  /**
   * The collected rows as one batch; the builder starts empty with fresh buffers, so the
   * returned batch stays valid while it is being written.
   */
  build(): VariantRows {
    const n = this.#n;
    const t = this.#text;
    const rows: VariantRows = {
      ...t,
      pos: this.#pos.subarray(0, n),
      qual: this.#qual.subarray(0, n),
      af: this.#af.subarray(0, n),
      vectors: this.#vectors.subarray(0, n * this.dims),
      dims: this.dims,
      source: this.source,
    };
    this.#vectors = new Float32Array(this.capacity * this.dims);
    this.#pos = new Float64Array(this.capacity);
    this.#qual = new Float64Array(this.capacity);
    this.#af = new Float64Array(this.capacity);
    this.#text = newTextColumns();
    this.#n = 0;
    return rows;
  }
}

function newTextColumns() {
  return {
    variantId: [] as string[],
    chrom: [] as string[],
    ref: [] as string[],
    alt: [] as string[],
    id: [] as string[],
    filter: [] as string[],
    gene: [] as (string | null)[],
    consequence: [] as (string | null)[],
    clinicalSignificance: [] as (string | null)[],
    condition: [] as (string | null)[],
    description: [] as string[],
  };
}
