import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VcfAgentError } from "../src/errors.js";
import { VariantRowsBuilder, VariantStore, chooseVectorIndexShape, prepareBatch } from "../src/store/index.js";
import { axisVector, tempDir } from "./_store-fixtures.js";

const row = (pos: number, extra: Partial<Parameters<VariantRowsBuilder["push"]>[0]> = {}) => ({
  variantId: `chr1-${pos}-A-T`,
  chrom: "chr1",
  pos,
  ref: "A",
  alt: "T",
  id: "",
  qual: null,
  filter: [] as string[],
  description: `chr1:${pos} A>T`,
  ...extra,
});

describe("VariantRowsBuilder", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it("collects rows into columns and one vector buffer, then starts afresh", () => {
    const b = new VariantRowsBuilder(4, 2, "in.vcf");
    const v1 = axisVector(4, 1);
    b.push(row(10, { gene: "BRCA1", af: 0.25, qual: 40, filter: ["q10", "s50"] }), v1);
    v1[1] = 99; // the builder copied it
    expect(b.full).toBe(false);
    b.push(row(20), axisVector(4, 2));
    expect(b.full).toBe(true);
    expect(() => b.push(row(30), axisVector(4, 3))).toThrow(/full \(2 rows\)/);
    const rows = b.build();
    expect(b.length).toBe(0);
    expect(rows.variantId).toEqual(["chr1-10-A-T", "chr1-20-A-T"]);
    expect(Array.from(rows.vectors)).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(rows.pos)).toEqual([10, 20]);
    expect(rows.filter).toEqual(["q10;s50", "."]);
    expect(rows.gene).toEqual(["BRCA1", null]);
    expect(Array.from(rows.af ?? [])).toEqual([0.25, Number.NaN]);
    expect(Array.from(rows.qual ?? [])).toEqual([40, Number.NaN]);
    // The next batch does not write into the one just built.
    b.push(row(30), axisVector(4, 3));
    expect(Array.from(rows.vectors.subarray(0, 4))).toEqual([0, 1, 0, 0]);
    expect(prepareBatch(b.build(), "test").rows).toBe(1);
  });

  it("reuses the buffers of a recycled batch, and only those", () => {
    const b = new VariantRowsBuilder(4, 2, "in.vcf");
    b.push(row(1, { af: 0.5 }), axisVector(4, 0));
    const first = b.build();
    b.push(row(2), axisVector(4, 1));
    const second = b.build(); // in flight while `first` is recycled
    expect(second.vectors.buffer).not.toBe(first.vectors.buffer);
    b.recycle(first);
    b.recycle(first); // twice: ignored
    b.recycle({ ...first, vectors: new Float32Array(8) }); // not from this builder: ignored
    b.push(row(3), axisVector(4, 2));
    const third = b.build();
    expect(third.vectors.buffer).toBe(first.vectors.buffer);
    expect((third.pos as Float64Array).buffer).toBe((first.pos as Float64Array).buffer);
    // Only the rows pushed since are exposed, holding their own values.
    expect(Array.from(third.vectors)).toEqual([0, 0, 1, 0]);
    expect(Array.from(third.af ?? [])).toEqual([Number.NaN]);
    expect(Array.from(second.vectors)).toEqual([0, 1, 0, 0]);
    b.push(row(4), axisVector(4, 3));
    const fourth = b.build(); // nothing recycled meanwhile: fresh buffers again
    expect([first, second].some((r) => r.vectors.buffer === fourth.vectors.buffer)).toBe(false);
    expect(b.build()).toMatchObject({ variantId: [], vectors: new Float32Array(0) });
  });

  it("refuses a vector of another width, naming the variant", () => {
    const b = new VariantRowsBuilder(4, 2, "in.vcf");
    const e = (() => {
      try {
        b.push(row(1), new Float32Array(3));
      } catch (err) {
        return err as VcfAgentError;
      }
      return undefined;
    })();
    expect(e?.code).toBe("STORE");
    expect(e?.message).toContain("chr1-1-A-T has 3 dims; the batch holds 4");
  });

  it("feeds VariantStore.addBatch; an empty batch writes nothing", async () => {
    const store = await VariantStore.connect(path.join(tmp.dir, "db"));
    const b = new VariantRowsBuilder(4, 10, "in.vcf");
    expect(await store.addBatch(b.build())).toMatchObject({ inserted: 0, method: "none" });
    expect((await store.stats()).exists).toBe(false);
    for (let i = 0; i < 3; i++) b.push(row(100 + i, { clinicalSignificance: "Pathogenic" }), axisVector(4, i));
    expect(await store.addBatch(b.build())).toMatchObject({ inserted: 3, method: "create" });
    // The builder's buffers are larger than the batch: only the first rows may be written.
    const stored = await store.getById("chr1-102-A-T");
    expect(stored).toMatchObject({ pos: 102, filter: ".", qual: null, af: null, source: "in.vcf", clinicalSignificance: "Pathogenic" });
    expect(Array.from(stored?.vector ?? [])).toEqual([0, 0, 1, 0]);
    expect(await store.count()).toBe(3);
    store.close();
  });
});

describe("chooseVectorIndexShape", () => {
  it("picks √rows partitions (≤ rows/256) and ≤ 200 code bytes per vector", () => {
    const pq = { type: "ivf_pq" } as const;
    expect(chooseVectorIndexShape(200_000, 768, pq)).toEqual({ type: "ivf_pq", numPartitions: 447, numSubVectors: 96, sampleRate: 64, codeBytesPerVector: 96 });
    expect(chooseVectorIndexShape(200_000, 1536, pq)).toMatchObject({ numSubVectors: 192, codeBytesPerVector: 192 });
    expect(chooseVectorIndexShape(5000, 64, pq)).toMatchObject({ numPartitions: 19, numSubVectors: 8 });
    expect(chooseVectorIndexShape(100, 3072, pq).codeBytesPerVector).toBeLessThanOrEqual(200);
    expect(chooseVectorIndexShape(100, 12, pq)).toMatchObject({ numPartitions: 1, numSubVectors: 3 });
    expect(chooseVectorIndexShape(200_000, 1536)).toEqual({ type: "ivf_rq", numPartitions: 447, sampleRate: 64, codeBytesPerVector: 192 });
    expect(() => chooseVectorIndexShape(1000, 768, { ...pq, numSubVectors: 100 })).toThrow(/divisor of the vector width 768/);
    expect(() => chooseVectorIndexShape(1000, 768, { type: "flat" as "ivf_pq" })).toThrow(/ivf_pq, ivf_rq, hnsw_sq/);
  });
});
