// describe's JSON lines and TSV writers: summaryJson is JSON.stringify character for
// character (on every variant of the real annotated files and on strings JSON must escape),
// and a TSV row has one cell per column, `.` where a value is missing. SummaryWriter, which
// describe prints with, gives the same lines as UTF-8 bytes.
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { annotationLayout } from "../src/vcf/annotations/index.js";
import { describeSummary, SUMMARY_COLUMNS, SUMMARY_TSV_HEADER, summarizeVariant, summaryJson, summaryTsv, type VariantSummary } from "../src/vcf/describe.js";
import { openVcf } from "../src/vcf/reader.js";
import { SummaryWriter } from "../src/vcf/summary-writer.js";
import { infoValueText } from "../src/vcf/info.js";

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

/** VCF files under `dir`, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : /\.vcf(\.gz)?$/.test(e.name) ? [path.join(dir, e.name)] : [],
  );
}

const files = readdirSync(REAL).filter((f) => /\.vcf(\.gz)?$/.test(f));

/** What SummaryWriter writes for `s`: its JSON line and its TSV row. */
function written(s: VariantSummary, describe = false): [Buffer, Buffer] {
  const out = new SummaryWriter();
  out.json(s, describe);
  const json = Buffer.from(out.take());
  out.tsv(s, describe);
  return [json, Buffer.from(out.take())];
}

/** The lines as the bytes stdout gets (UTF-8; a lone surrogate becomes U+FFFD). */
function asBytes(json: string, tsv: string): [Buffer, Buffer] {
  return [Buffer.from(json + "\n"), Buffer.from(tsv + "\n")];
}

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
    expect(written(s)).toEqual(asBytes(summaryJson(s), summaryTsv(s)));
    // The description rendered from the fields, with the text in every part of it.
    const parts = { ...base, chrom: `chr${text}`, ref: text, alt: text, gene: text, consequence: text, clinicalSignificance: `${text}_x`, condition: text };
    const full = { ...parts, description: describeSummary(parts) };
    expect(written({ ...parts, description: "" }, true)).toEqual(asBytes(summaryJson(full), summaryTsv(full)));
  });

  it("writes missing and non-finite numbers as null, as JSON.stringify does", () => {
    for (const qual of [null, Number.NaN, Number.POSITIVE_INFINITY, 0, -1.5e-7, 1e21]) {
      const s = { ...base, qual, af: qual };
      expect(summaryJson(s)).toBe(JSON.stringify(s));
      expect(written(s)).toEqual(asBytes(summaryJson(s), summaryTsv(s)));
    }
  });

  it.each(files)("equals JSON.stringify on every variant of real/%s", async (file) => {
    const reader = await openVcf(path.join(REAL, file), { onInvalid: "skip" });
    const layout = annotationLayout(reader.header);
    let n = 0;
    const out = new SummaryWriter();
    try {
      for await (const batch of reader.batches(1024)) {
        let jsonl = "";
        let tsv = "";
        for (const v of batch) {
          const s = summarizeVariant(v, layout);
          const joined = v.filter.length === 0 ? "." : v.filter.join(";");
          if (v.filterText !== joined) expect(v.filterText).toBe(joined);
          const json = summaryJson(s);
          if (json !== JSON.stringify(s)) expect(json).toBe(JSON.stringify(s));
          jsonl += json + "\n";
          tsv += summaryTsv(s) + "\n";
          out.json(summarizeVariant(v, layout, false), true);
          n++;
        }
        expect(out.take().toString("utf8")).toBe(jsonl);
        for (const v of batch) out.tsv(summarizeVariant(v, layout, false), true);
        expect(out.take().toString("utf8")).toBe(tsv);
      }
    } finally {
      await reader.close();
    }
    expect(n).toBeGreaterThan(0);
  }, 120_000);
});

describe("Variant.infoText", () => {
  // Every key of every variant of the real and conformance files (percent escapes, flags,
  // undeclared keys, lists with missing entries): the raw-text path equals typing and joining.
  const CONFORMANCE = path.resolve(here, "../../shared/data/conformance");
  const all = [...files.map((f) => path.join(REAL, f)), ...walk(CONFORMANCE)];
  it("equals infoValueText(info(key)) on every INFO key of the real and conformance files", async () => {
    let keys = 0;
    for (const file of all) {
      let reader;
      try {
        reader = await openVcf(file, { onInvalid: "skip" });
      } catch {
        continue; // conformance inputs that are not VCF at all
      }
      try {
        for await (const batch of reader.batches(1024)) {
          for (const v of batch) {
            for (const key of v.infoKeys()) {
              const want = infoValueText(v.info(key));
              if (v.infoText(key) !== want) expect([file, v.line, key, v.infoText(key)]).toEqual([file, v.line, key, want]);
              keys++;
            }
          }
        }
      } catch {
        // an invalid input stops where it stops; the keys before it were compared
      } finally {
        await reader.close();
      }
    }
    expect(keys).toBeGreaterThan(100_000);
  }, 300_000);
});

describe("SummaryWriter numbers", () => {
  it("writes every number as String does", () => {
    const out = new SummaryWriter();
    const xs: number[] = [0, -0, 1, -1, 0.1, 1e-6, 1e-7, 5e-7, 999999999999999, 1e15, 1e15 - 1, -1e15 + 1, 1e21, 0.1 + 0.2,
      123456789.123456, 999999999.999999, 5e-324, Number.MAX_VALUE, 2 ** 53, 4503599627370495.5, 3571.9, 0.01312, 0.0001];
    let seed = 7;
    const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 50_000; i++) {
      const k = Math.floor(rand() * 1e6);
      xs.push(k / 1e6, -k / 1e5, k / 1e3 + Math.floor(rand() * 1e9), rand() * 10 ** (rand() * 30 - 10));
      xs.push(Number((rand() * 1e4).toFixed(1 + (i % 6))), Math.floor(rand() * 2 ** 53) / 10 ** (i % 8));
    }
    for (const x of xs) {
      out.number(x);
      const got = out.take().toString("latin1");
      if (got !== String(x)) expect(got).toBe(String(x));
    }
  });
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
    expect(written({ ...base, condition: "a\tb\nc" })[1]).toEqual(Buffer.from(row + "\n"));
  });

  it("grows its buffer for a line longer than it", () => {
    const long = { ...base, ref: "A".repeat(3 << 20), alt: "é".repeat(1 << 20) };
    expect(written(long)).toEqual(asBytes(summaryJson(long), summaryTsv(long)));
  });
});
