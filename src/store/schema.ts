/**
 * The on-disk shape of a variant table: column names, Arrow types, and the row types
 * the store accepts (columnar) and returns (one object per hit).
 */
import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int64,
  Precision,
  Schema,
  TimeUnit,
  Timestamp,
  Type,
  Utf8,
  type DataType,
} from "apache-arrow";

/** Name of the vector column (LanceDB's conventional name). */
export const VECTOR_COLUMN = "vector";

/**
 * Metadata columns in table order. `pos` is Int64: POS can exceed 2^31 in real
 * assemblies, and an integer column keeps exact comparisons and a compact B-tree.
 */
export const METADATA_COLUMNS = [
  "variant_id",
  "chrom",
  "pos",
  "ref",
  "alt",
  "id",
  "qual",
  "filter",
  "gene",
  "consequence",
  "clinical_significance",
  "condition",
  "af",
  "description",
  "source",
  "ingested_at",
  "source_line",
  "review_status",
] as const;

/**
 * Columns added after the first release: tables written before them lack them, and stay
 * readable and writable without them (reads give null, writes leave them out).
 */
export const OPTIONAL_COLUMNS: ReadonlySet<MetadataColumn> = new Set(["source_line", "review_status"]);

/** One metadata column name. */
export type MetadataColumn = (typeof METADATA_COLUMNS)[number];

/** Arrow type and nullability of each metadata column. */
const METADATA_TYPES: Record<MetadataColumn, { type: () => DataType; nullable: boolean }> = {
  variant_id: { type: () => new Utf8(), nullable: false },
  chrom: { type: () => new Utf8(), nullable: false },
  pos: { type: () => new Int64(), nullable: false },
  ref: { type: () => new Utf8(), nullable: false },
  alt: { type: () => new Utf8(), nullable: false },
  id: { type: () => new Utf8(), nullable: false },
  qual: { type: () => new Float64(), nullable: true },
  filter: { type: () => new Utf8(), nullable: false },
  gene: { type: () => new Utf8(), nullable: true },
  consequence: { type: () => new Utf8(), nullable: true },
  clinical_significance: { type: () => new Utf8(), nullable: true },
  condition: { type: () => new Utf8(), nullable: true },
  af: { type: () => new Float64(), nullable: true },
  description: { type: () => new Utf8(), nullable: false },
  source: { type: () => new Utf8(), nullable: false },
  ingested_at: { type: () => new Timestamp(TimeUnit.MILLISECOND, "UTC"), nullable: false },
  source_line: { type: () => new Int64(), nullable: true },
  review_status: { type: () => new Utf8(), nullable: true },
};

const NONE: ReadonlySet<string> = new Set();

/** Arrow type of the vector column for a given width. */
export function vectorType(dims: number): FixedSizeList<Float32> {
  return new FixedSizeList(dims, new Field("item", new Float32(), true));
}

/**
 * Arrow schema of a variant table whose vectors are `dims` wide.
 * @example variantSchema(768).fields.map((f) => f.name)
 */
export function variantSchema(dims: number, omit: ReadonlySet<string> = NONE): Schema {
  const fields: Field[] = METADATA_COLUMNS.filter((name) => !omit.has(name)).map((name) => {
    const spec = METADATA_TYPES[name];
    return new Field(name, spec.type(), spec.nullable);
  });
  fields.push(new Field(VECTOR_COLUMN, vectorType(dims), false));
  return new Schema(fields);
}

/**
 * Width of the vector column of an existing table's schema and the optional columns it
 * lacks, or a reason why the schema is not a variant table (a missing column, or a vector
 * column of another type).
 */
export function readVectorWidth(schema: Schema): { dims: number; absent: ReadonlySet<string> } | { problem: string } {
  const names = new Set(schema.fields.map((f) => f.name));
  const missing = [...METADATA_COLUMNS, VECTOR_COLUMN].filter((c) => !names.has(c) && !OPTIONAL_COLUMNS.has(c as MetadataColumn));
  if (missing.length > 0) return { problem: `missing column(s) ${missing.join(", ")}` };
  const vector = schema.fields.find((f) => f.name === VECTOR_COLUMN);
  // Compare type ids, not classes: LanceDB loads apache-arrow through CommonJS, so its
  // schema objects come from a different module instance than ours.
  const type = vector?.type as DataType | undefined;
  const item = type?.children?.[0]?.type as DataType | undefined;
  if (type?.typeId !== Type.FixedSizeList || item?.typeId !== Type.Float || (item as Float32).precision !== Precision.SINGLE) {
    return { problem: `column ${VECTOR_COLUMN} is ${String(vector?.type)}, not FixedSizeList<Float32>` };
  }
  return { dims: (type as FixedSizeList).listSize, absent: new Set([...OPTIONAL_COLUMNS].filter((c) => !names.has(c))) };
}

/**
 * A batch of variants to write, column by column. Every column has one entry per row
 * (`n` = `variantId.length`); `vectors` holds the n × dims floats row-major in one buffer.
 * Optional nullable columns may be omitted (all null).
 */
export interface VariantRows {
  /** `chrom-pos-ref-alt`; the key that makes re-adding idempotent. */
  readonly variantId: readonly string[];
  readonly chrom: readonly string[];
  /** 1-based POS; integers up to 2^53. */
  readonly pos: Float64Array | Int32Array | Uint32Array | readonly number[];
  readonly ref: readonly string[];
  readonly alt: readonly string[];
  /** The VCF ID column (empty string for `.`). */
  readonly id: readonly string[];
  /** QUAL; `NaN` stands for missing (`.`). */
  readonly qual?: Float64Array;
  /** FILTER column text, e.g. `PASS` or `q10;s50` (`.` when missing). */
  readonly filter: readonly string[];
  readonly gene?: readonly (string | null)[];
  readonly consequence?: readonly (string | null)[];
  readonly clinicalSignificance?: readonly (string | null)[];
  readonly condition?: readonly (string | null)[];
  /** Allele frequency; `NaN` stands for missing. */
  readonly af?: Float64Array;
  /** The text that was embedded. */
  readonly description: readonly string[];
  /** 1-based line of each record in its source file; 0 (or omitted) for unknown. */
  readonly sourceLine?: Float64Array | readonly number[];
  /** ClinVar review status. */
  readonly reviewStatus?: readonly (string | null)[];
  /** n × dims vectors, row-major, in one buffer. */
  readonly vectors: Float32Array;
  /** Width of each vector. */
  readonly dims: number;
  /** Input file name: one for the whole batch, or one per row. */
  readonly source: string | readonly string[];
  /** When the batch was ingested; defaults to now. */
  readonly ingestedAt?: Date;
}

/** One stored variant as returned by reads (camelCase; `null` for missing values). */
export interface StoredVariant {
  readonly variantId: string;
  readonly chrom: string;
  readonly pos: number;
  readonly ref: string;
  readonly alt: string;
  readonly id: string;
  readonly qual: number | null;
  readonly filter: string;
  readonly gene: string | null;
  readonly consequence: string | null;
  readonly clinicalSignificance: string | null;
  readonly condition: string | null;
  readonly af: number | null;
  readonly description: string;
  readonly source: string;
  /** ISO 8601 time of the write that stored the row. */
  readonly ingestedAt: string;
  /** 1-based line of the record in `source`; null when unknown (region reads, tables written before the column existed). */
  readonly sourceLine: number | null;
  /** ClinVar review status (CLNREVSTAT), when the file had it. */
  readonly reviewStatus: string | null;
  /** Present only when the read asked for it. */
  readonly vector?: Float32Array;
}

/** A search result: a stored variant and its cosine distance to the query (0 = same direction). */
export interface VariantHit extends StoredVariant {
  readonly distance: number;
}
