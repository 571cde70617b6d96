/**
 * The store's write path: the IPC file it serializes itself is the one apache-arrow writes,
 * appends and merges go to LanceDB's native binding (not the wrapper that copies the batch
 * twice more), and a reused IPC buffer never mixes two writes.
 */
import * as lancedb from "@lancedb/lancedb";
import { RecordBatchFileWriter, tableFromIPC } from "apache-arrow";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NativeWrites, writeIpcFile } from "../src/store/_native-write.js";
import { prepareBatch } from "../src/store/batch.js";
import { VariantStore } from "../src/store/index.js";
import { MAX_LOOKUP_IDS } from "../src/store/options.js";
import { clusteredVectors, rowsOf, tempDir, type TestVariant } from "./_store-fixtures.js";

const DIMS = 16;
const variants = (from: number, n: number): TestVariant[] =>
  Array.from({ length: n }, (_, i) => ({
    pos: 1000 + from + i,
    gene: i % 3 === 0 ? null : `G${i % 5}`,
    af: i % 4 === 0 ? null : i / 100,
    condition: i % 2 === 0 ? "Hereditary cancer" : null,
  }));
const batchOf = (from: number, n: number, seed = from + 1) => rowsOf(variants(from, n), clusteredVectors(n, DIMS, 3, seed), DIMS);

const cleanups: (() => void)[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0)) c();
});
function dir(): string {
  const t = tempDir("vcf-agent-store-writes-");
  cleanups.push(t.cleanup);
  return t.dir;
}

describe("writeIpcFile", () => {
  it("writes the bytes of apache-arrow's file writer, growing a small buffer and overwriting a dirty one", () => {
    const table = prepareBatch(batchOf(0, 300), "test").table;
    const expected = RecordBatchFileWriter.writeAll(table).toUint8Array(true);
    const grown = writeIpcFile(table, Buffer.alloc(16));
    expect(grown.buffer.length).toBeGreaterThanOrEqual(expected.byteLength);
    expect(Buffer.compare(grown.bytes, Buffer.from(expected))).toBe(0);
    // Reuse: leftovers of a larger earlier file must not leak into a smaller one.
    const dirty = Buffer.alloc(expected.byteLength * 2, 0xab);
    const small = prepareBatch(batchOf(500, 7), "test").table;
    const again = writeIpcFile(small, dirty);
    expect(again.buffer).toBe(dirty);
    expect(Buffer.compare(again.bytes, Buffer.from(RecordBatchFileWriter.writeAll(small).toUint8Array(true)))).toBe(0);
    expect(tableFromIPC(again.bytes).numRows).toBe(7);
  });
});

describe("prepareBatch's vector check", () => {
  it("names the first NaN or ±Infinity, in the body or the tail of the buffer", () => {
    const rows = (vectors: Float32Array, dims: number) => rowsOf(variants(0, vectors.length / dims), vectors, dims);
    const v = clusteredVectors(5, DIMS, 2, 7);
    expect(prepareBatch(rows(v, DIMS), "t").rows).toBe(5);
    v[2 * DIMS + 5] = Number.POSITIVE_INFINITY;
    v[4 * DIMS + 1] = Number.NaN;
    expect(() => prepareBatch(rows(v, DIMS), "t")).toThrow(/row 2 \(chr1-1002-A-G\) has a non-finite value at component 5/);
    // 3 × 3 floats: the last one is outside the 4-wide loop.
    const odd = Float32Array.from([0.6, 0.8, 0, 1, 0, 0, 0, 0, Number.NEGATIVE_INFINITY]);
    expect(() => prepareBatch(rows(odd, 3), "t")).toThrow(/row 2 \(chr1-1002-A-G\) has a non-finite value at component 2/);
  });
});

describe("prepareBatch's text columns", () => {
  it("keeps every value and null, ASCII-only or not", () => {
    const genes = ["BRCA1", null, "", "TP53", null];
    const conditions = ["Lynch syndrome", "ünïcødé ✓ 遺伝子 🧬", null, "", "x' OR 1=1 --"];
    const base = batchOf(0, 5);
    const table = prepareBatch({ ...base, gene: genes, condition: conditions }, "t").table;
    expect(table.getChild("gene")?.toArray()).toEqual(genes);
    expect(table.getChild("condition")?.toArray()).toEqual(conditions);
    expect(table.getChild("gene")?.nullCount).toBe(2);
    expect(table.getChild("variant_id")?.toArray()).toEqual(base.variantId);
    expect(table.getChild("description")?.toArray()).toEqual(base.description);
  });
});

describe("VariantStore writes through the native binding", () => {
  it("appends and merges without LanceDB's wrapper, storing every row and skipping stored ids", async () => {
    const uri = dir();
    const store = await VariantStore.connect(uri);
    await store.addBatch(batchOf(0, 50)); // create
    const probe = await (await lancedb.connect(uri)).openTable("variants");
    const proto = Object.getPrototypeOf(probe) as lancedb.Table;
    const wrapperAdd = vi.spyOn(proto, "add");
    const wrapperMerge = vi.spyOn(proto, "mergeInsert");
    const appended = await store.addBatch(batchOf(50, 40), { knownNew: true });
    expect(appended).toMatchObject({ method: "append", inserted: 40 });
    const merged = await store.addBatch(batchOf(70, 40)); // ids 70..89 stored, 90..109 new
    expect(merged).toMatchObject({ method: "merge", inserted: 20, skipped: 20 });
    const updated = await store.addBatch(batchOf(100, 20, 99), { onConflict: "update" });
    expect(updated).toMatchObject({ method: "merge", inserted: 10, updated: 10 });
    expect(wrapperAdd).not.toHaveBeenCalled();
    expect(wrapperMerge).not.toHaveBeenCalled();
    expect(await store.count()).toBe(120);
    // The updated row carries the new vector; an appended one its own.
    const expectedUpdated = batchOf(100, 20, 99);
    const hit = await store.getById(expectedUpdated.variantId[3] as string);
    expect(Array.from(hit?.vector ?? [])).toEqual(Array.from(expectedUpdated.vectors.subarray(3 * DIMS, 4 * DIMS)));
    const appendedRows = batchOf(50, 40);
    const row = await store.getById(appendedRows.variantId[38] as string);
    expect(row).toMatchObject({ gene: "G3", af: 0.38, condition: "Hereditary cancer", description: appendedRows.description[38] });
    expect(Array.from(row?.vector ?? [])).toEqual(Array.from(appendedRows.vectors.subarray(38 * DIMS, 39 * DIMS)));
    probe.close();
    store.close();
  });

  it("looks up the ids that may be stored and appends the rest (mayBeStored), the result a merge would give", async () => {
    const store = await VariantStore.connect(dir());
    await store.addBatch(batchOf(0, 50)); // ids of pos 1000..1049
    const proto = Object.getPrototypeOf(await (await lancedb.connect(store.localDirectory as string)).openTable("variants")) as lancedb.Table;
    const wrapperMerge = vi.spyOn(proto, "mergeInsert");
    const next = batchOf(40, 30); // pos 1040..1069: ten stored, twenty new
    // …and one id twice inside the batch (the second row is dropped).
    const withRepeat = {
      ...next,
      variantId: [...next.variantId, next.variantId[25] as string],
      chrom: [...next.chrom, "chr1"],
      pos: [...Array.from(next.pos), 1065],
      ref: [...next.ref, "A"],
      alt: [...next.alt, "G"],
      id: [...next.id, ""],
      filter: [...next.filter, "PASS"],
      description: [...next.description, "again"],
      ...{ qual: undefined, af: undefined, gene: undefined, consequence: undefined, clinicalSignificance: undefined, condition: undefined },
      vectors: Float32Array.from([...next.vectors, ...next.vectors.subarray(0, DIMS)]),
    };
    // Candidates: the ten stored ids, one new id the filter only thinks it saw, one id not in the batch.
    const candidates = [...next.variantId.slice(0, 10), next.variantId[12] as string, "chr9-1-A-C"];
    const r = await store.addBatch(withRepeat, { mayBeStored: candidates });
    expect(r).toMatchObject({ method: "append", inserted: 20, skipped: 10, duplicatesInBatch: 1 });
    expect(wrapperMerge).not.toHaveBeenCalled();
    expect(await store.count()).toBe(70);
    // The stored rows were left as they were (not replaced by the batch's rows).
    const kept = await store.getById(next.variantId[0] as string);
    expect(Array.from(kept?.vector ?? [])).toEqual(Array.from(batchOf(0, 50).vectors.subarray(40 * DIMS, 41 * DIMS)));
    // Nothing new at all: no commit.
    expect(await store.addBatch(batchOf(0, 5), { mayBeStored: batchOf(0, 5).variantId })).toMatchObject({ method: "none", inserted: 0, skipped: 5 });
    // No candidates: a plain append.
    expect(await store.addBatch(batchOf(100, 5), { mayBeStored: [] })).toMatchObject({ method: "append", inserted: 5, skipped: 0 });
    // Many candidates: the merge is cheaper than the look-up.
    const many = batchOf(200, MAX_LOOKUP_IDS + 1);
    expect(await store.addBatch(many, { mayBeStored: many.variantId })).toMatchObject({ method: "merge", inserted: MAX_LOOKUP_IDS + 1 });
    // Updating needs the merge.
    expect(await store.addBatch(batchOf(100, 5, 3), { mayBeStored: [], onConflict: "update" })).toMatchObject({ method: "merge", updated: 5 });
    expect(await store.count()).toBe(75 + MAX_LOOKUP_IDS + 1);
    store.close();
  });

  it("gives concurrent writes their own buffers", async () => {
    const db = await lancedb.connect(dir());
    const a = await db.createTable("a", prepareBatch(batchOf(0, 5), "test").table);
    const b = await db.createTable("b", prepareBatch(batchOf(0, 5), "test").table);
    const writes = new NativeWrites();
    await Promise.all([
      writes.append(a, prepareBatch(batchOf(1000, 200), "test").table),
      writes.append(b, prepareBatch(batchOf(5000, 3), "test").table),
      writes.append(a, prepareBatch(batchOf(9000, 11), "test").table),
    ]);
    expect(await a.countRows()).toBe(216);
    expect(await b.countRows()).toBe(8);
    expect(await a.countRows("pos >= 10000")).toBe(11);
    expect(await b.countRows("pos >= 6000 AND pos < 6003")).toBe(3);
    a.close();
    b.close();
    db.close();
  });
});
