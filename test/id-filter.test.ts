// The ingest's "already sent" filter: never a false "no" (that would write a duplicate
// row), rarely a false "maybe" (that only costs a merge-insert), bounded bytes.
import { describe, expect, it } from "vitest";
import { IdFilter } from "../src/pipeline/_id-filter.js";

const id = (i: number): string => `${1 + (i % 22)}-${1_000_000 + i}-A-G`;

describe("IdFilter", () => {
  it("answers maybe for every added id, across the growth from one filter to three", () => {
    const f = new IdFilter();
    const n = 500_000; // first filter holds 131,072; then 262,144; then 524,288
    for (let i = 0; i < n; i++) f.add(id(i));
    expect(f.size).toBe(n);
    let misses = 0;
    for (let i = 0; i < n; i++) if (!f.mayHave(id(i))) misses++;
    expect(misses).toBe(0);
    // 32 bits per id of capacity: (2^17 + 2^18 + 2^19) × 4 bytes.
    expect(f.bytes).toBe((131_072 + 262_144 + 524_288) * 4);
  });

  it("answers no for ids never added, but for a rare false maybe", () => {
    const f = new IdFilter();
    for (let i = 0; i < 200_000; i++) f.add(id(i));
    let falseMaybe = 0;
    for (let i = 200_000; i < 400_000; i++) if (f.mayHave(id(i))) falseMaybe++;
    // Designed for ~2e-7 per lookup and per filter: a handful at most, not hundreds.
    expect(falseMaybe).toBeLessThan(5);
    expect(new IdFilter().mayHave(id(0))).toBe(false);
  });
});
