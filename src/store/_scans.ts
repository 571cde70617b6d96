/** Reads of a variant table that walk a column: ids, value counts, exact id look-ups. */
import { join } from "node:path";
import type * as lancedb from "@lancedb/lancedb";
import { VcfAgentError } from "../errors.js";
import { directoryBytes } from "./_disk.js";
import type { IndexSummary } from "./options.js";
import { wrap } from "./_lance-errors.js";
import { sqlLiteral } from "./filters.js";

/** Calls `onId` with every stored variant_id (of the rows matching the SQL `predicate`, when given), streaming; returns how many. */
export async function scanIds(table: lancedb.Table, onId: (id: string) => void, where: string, predicate?: string): Promise<number> {
  let n = 0;
  await wrap(where, async () => {
    const query = predicate === undefined ? table.query() : table.query().where(predicate);
    for await (const batch of query.select(["variant_id"])) {
      const col = batch.getChild("variant_id");
      if (col === null) throw new VcfAgentError(`${where}: has no variant_id column`, "STORE");
      for (let i = 0; i < batch.numRows; i++) onId(String(col.get(i)));
      n += batch.numRows;
    }
  });
  return n;
}

/** For each of `columns`, its `limit` most frequent non-null values, most frequent first (ties by value), from one scan. */
export async function countValues(
  table: lancedb.Table,
  columns: readonly string[],
  limit: number,
  where: string,
): Promise<Map<string, { value: string; count: number }[]>> {
  const counts = new Map(columns.map((c) => [c, new Map<string, number>()]));
  if (columns.length > 0) {
    await wrap(where, async () => {
      for await (const batch of table.query().select([...columns])) {
        for (const [column, tally] of counts) {
          const col = batch.getChild(column);
          if (col === null) continue;
          for (let i = 0; i < batch.numRows; i++) {
            const v: unknown = col.get(i);
            if (v === null || v === undefined) continue;
            const key = String(v);
            tally.set(key, (tally.get(key) ?? 0) + 1);
          }
        }
      }
    });
  }
  const top = (tally: Map<string, number>) =>
    [...tally]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([value, count]) => ({ value, count }));
  return new Map([...counts].map(([column, tally]) => [column, top(tally)]));
}

/** Which of `ids` the table stores, by exact look-up (one filtered scan of variant_id). */
export async function storedAmong(table: lancedb.Table, ids: readonly string[], where: string): Promise<Set<string>> {
  const found = new Set<string>();
  if (ids.length === 0) return found;
  const q = table.query().where(`variant_id IN (${ids.map(sqlLiteral).join(", ")})`).select(["variant_id"]);
  const result = await wrap(where, () => q.toArrow());
  const column = result.getChild("variant_id");
  for (let r = 0; r < result.numRows; r++) found.add(String(column?.get(r)));
  return found;
}

/** What each of a table's indexes covers, and its bytes on disk (local tables). */
export async function indexSummaries(
  table: lancedb.Table,
  configs: readonly lancedb.IndexConfig[],
  rows: number,
  tableDir: string | null,
  where: string,
): Promise<IndexSummary[]> {
  const indices: IndexSummary[] = [];
  for (const c of configs) {
    const s = await wrap(where, () => table.indexStats(c.name));
    const bytesOnDisk = tableDir === null || c.indexUuid === undefined ? ("unknown" as const) : await directoryBytes(join(tableDir, "_indices", c.indexUuid));
    indices.push({
      name: c.name,
      type: c.indexType,
      columns: [...c.columns],
      indexedRows: s?.numIndexedRows ?? 0,
      unindexedRows: s?.numUnindexedRows ?? rows,
      ...(s?.distanceType !== undefined ? { distanceType: s.distanceType } : {}),
      bytesOnDisk,
    });
  }
  return indices;
}
