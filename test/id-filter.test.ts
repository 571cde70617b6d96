// The ingest's "already sent" filter: never a false "no" (that would write a duplicate
// row), rarely a false "maybe" (that only costs a merge-insert), bounded bytes. And the
// exact answers for coordinate-sorted input: "repeat" only for an id sent before, never
// a "maybe" while the order holds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdFilter, SentIds, type SentVerdict } from "../src/pipeline/_id-filter.js";

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

/** A record of a generated input: its contig, position and allele pair. */
type Rec = { chrom: string; pos: number; alt: string };
const key = (r: Rec): string => `${r.chrom}-${r.pos}-A-${r.alt}`;

/** Feeds `recs` in order; returns each verdict beside what an exact set of every id says. */
function replay(recs: readonly Rec[]): { verdict: SentVerdict; sentBefore: boolean; sorted: boolean }[] {
  const s = new SentIds();
  const exact = new Set<string>();
  return recs.map((r) => {
    const id = key(r);
    let verdict = s.take(id, r.chrom, r.pos);
    if (verdict === "unordered") {
      // What the writer does: a filter of every id sent so far, then the same question again.
      expect(s.sorted).toBe(false);
      const f = new IdFilter();
      for (const e of exact) f.add(e);
      s.useFilter(f);
      verdict = s.take(id, r.chrom, r.pos);
    }
    expect(verdict).not.toBe("unordered");
    const sentBefore = exact.has(id);
    exact.add(id);
    return { verdict, sentBefore, sorted: s.sorted };
  });
}

const rec = fc.record({ chrom: fc.constantFrom("1", "2", "X"), pos: fc.integer({ min: 1, max: 40 }), alt: fc.constantFrom("C", "G", "T") });
/** Sorted input: contigs in blocks, positions non-decreasing in each; repeats fall inside a run. */
const sortedRecs = fc.array(rec, { maxLength: 300 }).map((rs) => {
  const order = new Map([["1", 0], ["2", 1], ["X", 2]]);
  return [...rs].sort((a, b) => order.get(a.chrom)! - order.get(b.chrom)! || a.pos - b.pos);
});

describe("SentIds", () => {
  it("on sorted input answers exactly, repeat or new, and never maybe", () => {
    fc.assert(
      fc.property(sortedRecs, (recs) => {
        for (const r of replay(recs)) {
          expect(r.sorted).toBe(true);
          expect(r.verdict).toBe(r.sentBefore ? "repeat" : "new");
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it("on any input never says new for an id sent before, nor repeat for one that was not", () => {
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 300 }), (recs) => {
        for (const r of replay(recs)) {
          if (r.sentBefore) expect(r.verdict).not.toBe("new");
          if (r.verdict === "repeat") expect(r.sentBefore).toBe(true);
          if (r.verdict === "maybe") expect(r.sorted).toBe(false);
        }
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it("leaves the exact mode at a position that goes down or a contig seen before, and finds earlier ids through the filter", () => {
    const down = replay([
      { chrom: "1", pos: 10, alt: "C" },
      { chrom: "1", pos: 20, alt: "C" },
      { chrom: "1", pos: 10, alt: "C" },
    ]);
    expect(down.map((r) => [r.verdict, r.sorted])).toEqual([["new", true], ["new", true], ["maybe", false]]);
    const back = replay([
      { chrom: "1", pos: 10, alt: "C" },
      { chrom: "2", pos: 5, alt: "C" },
      { chrom: "1", pos: 10, alt: "C" },
      { chrom: "1", pos: 11, alt: "C" },
    ]);
    expect(back.map((r) => [r.verdict, r.sorted])).toEqual([["new", true], ["new", true], ["maybe", false], ["new", false]]);
    // Same position, other allele, and a repeat within the run: exact while sorted.
    const run = replay([
      { chrom: "MT", pos: 16_569, alt: "C" },
      { chrom: "MT", pos: 16_569, alt: "G" },
      { chrom: "MT", pos: 16_569, alt: "C" },
    ]);
    expect(run.map((r) => r.verdict)).toEqual(["new", "new", "repeat"]);
  });
});
