/** Arrow query results → {@link StoredVariant} objects (small result sets only: k hits, one id). */
import type { Table } from "apache-arrow";
import { VECTOR_COLUMN, type StoredVariant, type VariantHit } from "./schema.js";

type Cell = unknown;

/** Converts every row of `table` (a query result) to a stored variant, with `distance` when present. */
export function toVariants(table: Table, withVector: boolean): VariantHit[] {
  const col = (name: string) => table.getChild(name);
  const cols = {
    variantId: col("variant_id"),
    chrom: col("chrom"),
    pos: col("pos"),
    ref: col("ref"),
    alt: col("alt"),
    id: col("id"),
    qual: col("qual"),
    filter: col("filter"),
    gene: col("gene"),
    consequence: col("consequence"),
    clinicalSignificance: col("clinical_significance"),
    condition: col("condition"),
    af: col("af"),
    description: col("description"),
    source: col("source"),
    ingestedAt: col("ingested_at"),
    distance: col("_distance"),
    vector: withVector ? col(VECTOR_COLUMN) : null,
  };
  const out: VariantHit[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const get = (c: { get(i: number): Cell } | null): Cell => (c === null ? null : c.get(i));
    const row: StoredVariant & { distance: number } = {
      variantId: text(get(cols.variantId)),
      chrom: text(get(cols.chrom)),
      pos: num(get(cols.pos)) ?? Number.NaN,
      ref: text(get(cols.ref)),
      alt: text(get(cols.alt)),
      id: text(get(cols.id)),
      qual: num(get(cols.qual)),
      filter: text(get(cols.filter)),
      gene: nullableText(get(cols.gene)),
      consequence: nullableText(get(cols.consequence)),
      clinicalSignificance: nullableText(get(cols.clinicalSignificance)),
      condition: nullableText(get(cols.condition)),
      af: num(get(cols.af)),
      description: text(get(cols.description)),
      source: text(get(cols.source)),
      ingestedAt: new Date(num(get(cols.ingestedAt)) ?? 0).toISOString(),
      distance: num(get(cols.distance)) ?? Number.NaN,
      ...(cols.vector !== null ? { vector: toFloat32(get(cols.vector)) } : {}),
    };
    out.push(row);
  }
  return out;
}

function text(v: Cell): string {
  return v == null ? "" : String(v);
}

function nullableText(v: Cell): string | null {
  return v == null ? null : String(v);
}

/** Numbers arrive as number (float64, timestamp) or bigint (int64); POS fits in 2^53 by construction. */
function num(v: Cell): number | null {
  if (v == null) return null;
  return typeof v === "bigint" ? Number(v) : (v as number);
}

/** A compact copy, so the hit does not pin the whole result buffer. */
function toFloat32(v: Cell): Float32Array {
  if (v == null) return new Float32Array(0);
  const arr = (v as { toArray(): ArrayLike<number> }).toArray();
  return Float32Array.from(arr);
}
