// The k-means training sample per IVF partition (sampleRate): its defaults per index type,
// its validation, and that it reaches LanceDB's index config and a real build.
import * as path from "node:path";
import { Index } from "@lancedb/lancedb";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { VariantStore } from "../src/store/index.js";
import { DEFAULT_SAMPLE_RATE, chooseVectorIndexShape, vectorIndexConfig } from "../src/store/indexes.js";
import { clusteredVectors, rowsOf, tempDir, type TestVariant } from "./_store-fixtures.js";
import { rejection } from "./_rejection.js";

describe("sampleRate of the vector index", () => {
  afterEach(() => vi.restoreAllMocks());

  it("defaults per type to the measured sample (docs/performance.md) and keeps an explicit one", () => {
    expect(DEFAULT_SAMPLE_RATE).toEqual({ ivf_pq: 64, ivf_rq: 64, hnsw_sq: 256 });
    expect(chooseVectorIndexShape(1_000_000, 768, { type: "ivf_pq" }).sampleRate).toBe(64);
    expect(chooseVectorIndexShape(1_000_000, 768).sampleRate).toBe(64);
    expect(chooseVectorIndexShape(1_000_000, 768, { type: "hnsw_sq" }).sampleRate).toBe(256);
    expect(chooseVectorIndexShape(1_000_000, 768, { type: "ivf_pq", sampleRate: 32 })).toMatchObject({ type: "ivf_pq", sampleRate: 32, numPartitions: 1000 });
  });

  it("refuses a sample that is not a positive integer, naming the option", () => {
    for (const bad of [0, -64, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      let thrown: unknown;
      try {
        chooseVectorIndexShape(10_000, 64, { sampleRate: bad });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toMatchObject({ code: "USAGE", message: expect.stringMatching(new RegExp(`^sampleRate .* got ${String(bad)}$`)) });
    }
  });

  it("passes the sample to LanceDB's config for each index type", () => {
    const spies = { ivf_pq: vi.spyOn(Index, "ivfPq"), ivf_rq: vi.spyOn(Index, "ivfRq"), hnsw_sq: vi.spyOn(Index, "hnswSq") };
    for (const type of ["ivf_pq", "ivf_rq", "hnsw_sq"] as const) {
      vectorIndexConfig(chooseVectorIndexShape(50_000, 64, { type, sampleRate: 48 }));
      expect(spies[type]).toHaveBeenCalledTimes(1);
      expect(spies[type].mock.calls[0]?.[0]).toMatchObject({ distanceType: "cosine", numPartitions: 195, sampleRate: 48 });
    }
    vectorIndexConfig(chooseVectorIndexShape(50_000, 64));
    expect(spies.ivf_rq.mock.calls[1]?.[0]).toMatchObject({ sampleRate: DEFAULT_SAMPLE_RATE.ivf_rq });
  });

  describe("in a real build", () => {
    const tmp = tempDir();
    const N = 2000;
    const D = 32;
    afterAll(() => tmp.cleanup());

    it("builds with the given sample and refuses a bad one before building", async () => {
      const store = await VariantStore.connect(path.join(tmp.dir, "db"));
      const vectors = clusteredVectors(N, D, 8, 11);
      const variants: TestVariant[] = Array.from({ length: N }, (_, i) => ({ pos: 1000 + i }));
      await store.addBatch(rowsOf(variants, vectors, D));
      const spy = vi.spyOn(Index, "ivfRq");
      const built = await store.createVectorIndex({ numPartitions: 4, sampleRate: 16 });
      expect(built).toMatchObject({ type: "ivf_rq", numPartitions: 4, sampleRate: 16 });
      expect(spy.mock.calls[0]?.[0]).toMatchObject({ numPartitions: 4, sampleRate: 16 });
      expect((await store.stats()).indices.filter((i) => i.columns.includes("vector"))).toMatchObject([{ type: "IvfRq", indexedRows: N }]);
      // Every partition probed and the candidates refined: k-means on 64 sampled vectors can put
      // a row in a partition the default probes miss (a fresh-clone run found a hit at 0.142).
      const hits = await store.searchVector(vectors.slice(7 * D, 8 * D), { k: 1, nprobes: 4, refineFactor: 10 });
      expect(hits[0]?.distance).toBeCloseTo(0, 5);
      expect(hits[0]?.pos).toBe(1007);

      const err = await rejection(store.createVectorIndex({ type: "ivf_pq", sampleRate: 0 }));
      expect(err).toMatchObject({ code: "USAGE", message: expect.stringMatching(/^sampleRate .* got 0$/) });
      expect((await store.stats()).indices.filter((i) => i.columns.includes("vector"))).toMatchObject([{ type: "IvfRq" }]);
      store.close();
    });
  });
});
