// describe's JSON lines and TSV writers: summaryJson is JSON.stringify character for
// character (on every variant of the real annotated files and on strings JSON must escape),
// and a TSV row has one cell per column, `.` where a value is missing.
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { annotationLayout } from "../src/vcf/annotations/index.js";
import { SUMMARY_COLUMNS, SUMMARY_TSV_HEADER, summarizeVariant, summaryJson, summaryTsv, type VariantSummary } from "../src/vcf/describe.js";
import { openVcf } from "../src/vcf/reader.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const REAL = path.resolve(here, "../../shared/data/real");

const base: VariantSummary = {
  variantId: "17-43045712-G-A",
  chrom: "17",
  pos: 43045712,
  id: "rs80357906",
  ref: "G",
  alt: "A",
  kind: "snv",
  qual: 50.5,
  filter: "PASS",
  gene: "BRCA1",
  consequence: "missense_variant",
  clinicalSignificance: "Pathogenic",
  reviewStatus: null,
  condition: null,
  af: 0.000123,
  description: "Variant at chromosome 17 position 43045712",
  line: 12,
  source: "clinvar",
};

describe("summaryJson", () => {
  it("keeps the key order of VariantSummary's columns", () => {
    expect(Object.keys(JSON.parse(summaryJson(base)) as object)).toEqual([...SUMMARY_COLUMNS]);
  });

  it.each([
    ["a quote", 'say "x"'],
    ["a backslash", "a\\b"],
    ["control characters", "tab\there\nnew\u0001line\u001f"],
    ["a lone surrogate", "bad \ud800 half"],
    ["a pair of surrogates", "ok 😀"],
    ["non-ASCII text", "Sjögren–Larsson syndrome"],
    ["an empty string", ""],
  ])("escapes %s as JSON.stringify does", (_name, text) => {
    const s = { ...base, condition: text, description: text, id: text };
    expect(summaryJson(s)).toBe(JSON.stringify(s));
  });

  it("writes missing and non-finite numbers as null, as JSON.stringify does", () => {
    for (const qual of [null, Number.NaN, Number.POSITIVE_INFINITY, 0, -1.5e-7, 1e21]) {
      const s = { ...base, qual, af: qual };
      expect(summaryJson(s)).toBe(JSON.stringify(s));
    }
  });

  const files = readdirSync(REAL).filter((f) => /\.vcf(\.gz)?$/.test(f));
  it.each(files)("equals JSON.stringify on every variant of real/%s", async (file) => {
    const reader = await openVcf(path.join(REAL, file), { onInvalid: "skip" });
    const layout = annotationLayout(reader.header);
    let n = 0;
    try {
      for await (const batch of reader.batches(1024)) {
        for (const v of batch) {
          const s = summarizeVariant(v, layout);
          const json = summaryJson(s);
          if (json !== JSON.stringify(s)) expect(json).toBe(JSON.stringify(s));
          n++;
        }
      }
    } finally {
      await reader.close();
    }
    expect(n).toBeGreaterThan(0);
  }, 120_000);
});

describe("summaryTsv", () => {
  it("has one cell per header column, . for missing values", () => {
    const cells = summaryTsv({ ...base, id: "", qual: null }).split("\t");
    expect(SUMMARY_TSV_HEADER.split("\t")).toEqual([...SUMMARY_COLUMNS]);
    expect(cells).toHaveLength(SUMMARY_COLUMNS.length);
    const byColumn = Object.fromEntries(SUMMARY_COLUMNS.map((c, i) => [c, cells[i]]));
    expect(byColumn).toMatchObject({ variantId: "17-43045712-G-A", pos: "43045712", id: ".", qual: ".", reviewStatus: ".", af: "0.000123", line: "12" });
  });

  it("never splits a row on a tab or line break inside a value", () => {
    const row = summaryTsv({ ...base, condition: "a\tb\nc" });
    expect(row.split("\t")).toHaveLength(SUMMARY_COLUMNS.length);
    expect(row).not.toMatch(/\n/);
  });
});
