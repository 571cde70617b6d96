/** Arrow query results → {@link StoredVariant} objects (small result sets only: k hits, one id). */
import type { Table } from "apache-arrow";
import { VECTOR_COLUMN, type StoredVariant, type VariantHit } from "./schema.js";

type Cell = unknown;

/** How each stored column reads back: text ("" when missing), nullable text, or a number (null when missing). */
const FIELDS: readonly (readonly [keyof StoredVariant, string, "text" | "nullable" | "number"])[] = [
  ["variantId", "variant_id", "text"],
  ["chrom", "chrom", "text"],
  ["pos", "pos", "number"],
  ["ref", "ref", "text"],
  ["alt", "alt", "text"],
  ["id", "id", "text"],
  ["qual", "qual", "number"],
  ["filter", "filter", "text"],
  ["gene", "gene", "nullable"],
  ["consequence", "consequence", "nullable"],
  ["clinicalSignificance", "clinical_significance", "nullable"],
  ["condition", "condition", "nullable"],
  ["af", "af", "number"],
  ["description", "description", "text"],
  ["source", "source", "text"],
  ["sourceLine", "source_line", "number"],
  ["reviewStatus", "review_status", "nullable"],
];
const READ = { text, nullable: nullableText, number: num } as const;

/** Converts every row of `table` (a query result) to a stored variant, with `distance` when present. */
export function toVariants(table: Pick<Table, "getChild" | "numRows">, withVector: boolean): VariantHit[] {
  const columns = FIELDS.map(([key, name, kind]) => [key, table.getChild(name), READ[kind]] as const);
  const ingestedAt = table.getChild("ingested_at");
  const distance = table.getChild("_distance");
  const vector = withVector ? table.getChild(VECTOR_COLUMN) : null;
  const out: VariantHit[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (const [key, column, read] of columns) row[key] = read(column === null ? null : column.get(i));
    row["pos"] ??= Number.NaN;
    row["ingestedAt"] = new Date(num(ingestedAt?.get(i)) ?? 0).toISOString();
    if (row["sourceLine"] === 0) row["sourceLine"] = null;
    row["distance"] = num(distance?.get(i)) ?? Number.NaN;
    if (vector !== null) row["vector"] = toFloat32(vector.get(i));
    out.push(row as unknown as VariantHit);
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
