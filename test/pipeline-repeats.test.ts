// Repeated variant ids across write batches. A coordinate-sorted file's repeats are known
// exactly from the run of equal positions (src/pipeline/_id-filter.ts SentIds): every write
// is a plain append with no look-up in the table. An unsorted file falls back to the
// approximate filter and exact look-ups. Either way the table holds each id once.
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveSessionConfig } from "../src/config.js";
import { ingestVcf } from "../src/pipeline/ingest.js";
import { mulberry32 } from "../src/util/random.js";
import { describeRows, distinct, generateVcf, readTable, sorted, tempDir } from "./_pipeline-helpers.js";

const dir = tempDir("pipeline-repeats");
let file: string;
let shuffled: string;
let broken: string;
let ids: string[];
let variants: number;

beforeAll(() => {
  file = generateVcf(dir, 4000, 4);
  const rows = describeRows(file);
  variants = rows.length;
  ids = distinct(rows.map((r) => r.variantId));
  // The same records in a seeded random order: positions go down, contigs come back.
  const lines = gunzipSync(readFileSync(file)).toString("utf8").split("\n").filter((l) => l !== "");
  const header = lines.filter((l) => l.startsWith("#"));
  const body = lines.filter((l) => !l.startsWith("#"));
  const rand = mulberry32(5);
  for (let i = body.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [body[i], body[j]] = [body[j]!, body[i]!];
  }
  shuffled = path.join(dir, "shuffled.vcf");
  writeFileSync(shuffled, [...header, ...body, ""].join("\n"));
  // Sorted for 2,000 records (many committed batches), then earlier records again (the
  // order breaks there), then the rest: the filter is built from the table at the break.
  const inOrder = lines.filter((l) => !l.startsWith("#"));
  broken = path.join(dir, "broken.vcf");
  writeFileSync(broken, [...header, ...inOrder.slice(0, 2000), ...inOrder.slice(100, 160), ...inOrder.slice(1990, 2010), ...inOrder.slice(2000), ""].join("\n"));
}, 120_000);

async function ingest(input: string, db: string) {
  const config = await resolveSessionConfig({ env: {}, overrides: { store: { uri: db }, memoryOptimization: { optimizationLevel: "standard", targetDimensions: 32 } } });
  // 16-row writes: most repeats land in a later batch than their first occurrence.
  return ingestVcf({ input, config, writeBatchRows: 16 });
}

describe("repeated ids across write batches", () => {
  it("a sorted file: every repeat dropped before writing, no look-up, each id stored once", async () => {
    expect(variants).toBeGreaterThan(ids.length); // the generator repeats some records
    const db = path.join(dir, "sorted-db");
    const s = await ingest(file, db);
    expect(s.writes).toEqual({ appends: expect.any(Number), lookups: 0, merges: 0 });
    expect(s.duplicatesInFile).toBe(variants - ids.length);
    expect(s.variantsWritten).toBe(ids.length);
    const t = await readTable(db, "variants", 1);
    expect(sorted(t.ids)).toEqual(sorted(ids));
  }, 120_000);

  it("the same records unsorted: repeats looked up in the table, each id stored once", async () => {
    const db = path.join(dir, "shuffled-db");
    const s = await ingest(shuffled, db);
    expect(s.writes.lookups).toBeGreaterThan(0);
    expect(s.writes.merges).toBe(0);
    expect(s.variantsWritten).toBe(ids.length);
    const t = await readTable(db, "variants", 1);
    expect(sorted(t.ids)).toEqual(sorted(ids));
  }, 120_000);

  it("a sorted file that breaks order mid-way: earlier ids found through the filter built from the table, each id stored once", async () => {
    const db = path.join(dir, "broken-db");
    const s = await ingest(broken, db);
    expect(s.writes.lookups).toBeGreaterThan(0);
    expect(s.writes.merges).toBe(0);
    expect(s.variantsWritten).toBe(ids.length);
    expect(s.variantsWritten + s.variantsAlreadyStored + s.duplicatesInFile).toBe(s.variantsRead);
    const t = await readTable(db, "variants", 1);
    expect(sorted(t.ids)).toEqual(sorted(ids));
  }, 120_000);
});
