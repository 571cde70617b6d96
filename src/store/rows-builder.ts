/**
 * {@link VariantRowsBuilder}: collects variants one at a time into the columnar
 * {@link VariantRows} that `VariantStore.addBatch` writes, copying each vector into one
 * preallocated Float32Array (no per-row vector objects are kept). A batch whose write has
 * finished can be handed back with {@link VariantRowsBuilder.recycle}, so that a pipeline
 * cycles through two sets of column buffers instead of allocating ~6 MB per batch.
 */
import { VcfAgentError } from "../errors.js";
import type { StoredVariant, VariantRows } from "./schema.js";

/**
 * One variant's stored fields, as the ingest pipeline has them: the stored columns, with
 * FILTER as values or text and the annotation fields optional.
 */
export interface VariantRowInput
  extends Pick<StoredVariant, "variantId" | "chrom" | "pos" | "ref" | "alt" | "id" | "qual" | "description">,
    Partial<Pick<StoredVariant, "gene" | "consequence" | "clinicalSignificance" | "condition" | "af" | "reviewStatus">> {
  /** FILTER values (joined with `;`, `.` when empty) or the column text. */
  readonly filter: string | readonly string[];
  /** 1-based line of the record in the source file; 0 or absent when unknown. */
  readonly line?: number;
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
  /** Buffers of the batch being collected; taken at its first push, so that a batch recycled meanwhile can be reused. */
  #cols: NumericColumns | null = null;
  /** Column buffers of batches handed out by {@link build}, by their vector buffer (weakly: a batch never recycled is simply collected). */
  readonly #lent = new WeakMap<ArrayBufferLike, NumericColumns>();
  /** Buffers of batches given back by {@link recycle}, ready for the next batch. */
  readonly #free: NumericColumns[] = [];
  #text = newTextColumns();
  #n = 0;

  constructor(dims: number, capacity: number, source: string) {
    if (!Number.isInteger(dims) || dims < 1) throw new VcfAgentError(`dims must be a positive integer, got ${dims}`, "USAGE");
    if (!Number.isInteger(capacity) || capacity < 1) throw new VcfAgentError(`capacity must be a positive integer, got ${capacity}`, "USAGE");
    this.dims = dims;
    this.capacity = capacity;
    this.source = source;
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
    const c = (this.#cols ??= this.#free.pop() ?? numericColumns(this.capacity, this.dims));
    c.vectors.set(vector, i * this.dims);
    c.pos[i] = row.pos;
    c.qual[i] = row.qual ?? Number.NaN;
    c.af[i] = row.af ?? Number.NaN;
    c.line[i] = row.line ?? 0;
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
    t.reviewStatus.push(row.reviewStatus ?? null);
    t.description.push(row.description);
    this.#n++;
  }

  /**
   * The collected rows as one batch. The next batch goes into other buffers (fresh, or
   * those of a recycled batch), so the returned batch stays valid while it is being written.
   */
  build(): VariantRows {
    const n = this.#n;
    const c = this.#cols ?? numericColumns(0, this.dims);
    const rows: VariantRows = {
      ...this.#text,
      pos: c.pos.subarray(0, n),
      qual: c.qual.subarray(0, n),
      af: c.af.subarray(0, n),
      sourceLine: c.line.subarray(0, n),
      vectors: c.vectors.subarray(0, n * this.dims),
      dims: this.dims,
      source: this.source,
    };
    if (this.#cols !== null) this.#lent.set(c.vectors.buffer, c);
    this.#cols = null;
    this.#text = newTextColumns();
    this.#n = 0;
    return rows;
  }

  /**
   * Gives back a batch from {@link build} whose write has finished: its column buffers will
   * hold a later batch, so `rows` must not be read afterwards. Batches from elsewhere, or
   * given back twice, are ignored.
   */
  recycle(rows: VariantRows): void {
    const cols = this.#lent.get(rows.vectors.buffer);
    if (cols === undefined) return;
    this.#lent.delete(rows.vectors.buffer);
    this.#free.push(cols);
  }
}

/** The typed-array columns of one batch, at full capacity. */
interface NumericColumns {
  readonly vectors: Float32Array;
  readonly pos: Float64Array;
  readonly qual: Float64Array;
  readonly af: Float64Array;
  readonly line: Float64Array;
}

/**
 * Column buffers without V8's zero fill: {@link VariantRowsBuilder.push} writes every slot
 * before `build` exposes it (only the first n rows are), so zeros would never be read.
 */
function numericColumns(capacity: number, dims: number): NumericColumns {
  const f64 = () => new Float64Array(Buffer.allocUnsafeSlow(capacity * 8).buffer, 0, capacity);
  return { vectors: new Float32Array(Buffer.allocUnsafeSlow(capacity * dims * 4).buffer, 0, capacity * dims), pos: f64(), qual: f64(), af: f64(), line: f64() };
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
    reviewStatus: [] as (string | null)[],
    description: [] as string[],
  };
}
