// Faults during ingest: a bad record mid-file, a db path that is a file, a table of
// another width, a corrupt PCA model. Each fails with a message naming the input and
// place, leaves what was stored consistent, and (for the bad record) can be completed.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeIds, distinct, generateVcf, ingestJson, readCheckpoints, readTable, runCli, sorted, tempDir } from "./_pipeline-helpers.js";

const dir = tempDir("pipeline-faults");
let file: string; // 5,000 records: enough variants for the 3,072-sample PCA fit at standard
let fileIds: string[];

beforeAll(() => {
  file = generateVcf(dir, 5000, 4);
  fileIds = describeIds(file);
}, 120_000);

// Tables of these sizes take hundreds of MB: leave nothing behind.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a bad record mid-file", () => {
  it("exits 1 naming file:line, keeps a committed prefix, and a rerun with --on-invalid skip completes the rest", async () => {
    const plain = execFileSync("sh", ["-c", `gzip -dc "${file}"`], { encoding: "utf8", maxBuffer: 1 << 28 }).split("\n");
    const headerLines = plain.findIndex((l) => !l.startsWith("#"));
    const badLine = headerLines + 4500; // 0-based index of data record 4,501
    const fields = plain[badLine]!.split("\t");
    fields[1] = "abc";
    plain[badLine] = fields.join("\t");
    const bad = path.join(dir, "bad-pos.vcf");
    writeFileSync(bad, plain.join("\n"));
    const db = path.join(dir, "bad-db");

    const r = runCli(["ingest", bad, "--db", db, "--quiet"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`vcf-agent: ${bad}:${badLine + 1}: POS 'abc' is not a non-negative integer\n`);
    // What was committed before the error is a prefix of the file, each id once, and the checkpoint says so.
    const t = await readTable(db, "variants", 10);
    expect(t.ids.length).toBeGreaterThan(0);
    expect(new Set(t.ids).size).toBe(t.ids.length);
    const goodIds = describeIds(bad, ["--on-invalid", "skip"]);
    const stored = new Set(t.ids);
    let m = 0;
    while (m < goodIds.length && stored.has(goodIds[m]!)) m++;
    expect(distinct(goodIds.slice(0, m)).length).toBe(stored.size);
    expect(readCheckpoints(db)[0]).toMatchObject({ complete: false, tableRows: t.ids.length });

    const s = ingestJson([bad, "--db", db, "--on-invalid", "skip"]);
    expect(s.skippedInvalid).toBe(1);
    expect(s.resumedFrom).toBeGreaterThan(0);
    const after = await readTable(db, "variants", 10);
    expect(sorted(after.ids)).toEqual(sorted(distinct(goodIds)));
    expect(goodIds.length).toBeLessThan(fileIds.length); // the bad record's variants are not among them
  }, 600_000);
});

describe("a db path that is a file", () => {
  it("is refused with the path named, and nothing is written", () => {
    const f = path.join(dir, "not-a-dir");
    writeFileSync(f, "keep me\n");
    for (const db of [f, path.join(f, "below")]) {
      const r = runCli(["ingest", file, "--db", db, "--quiet"]);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`^vcf-agent: vector store path ${db.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[ :].+\\n$`));
    }
    expect(readFileSync(f, "utf8")).toBe("keep me\n");
    expect(readdirSync(dir).filter((n) => n.startsWith("not-a-dir"))).toEqual(["not-a-dir"]);
  });
});

describe("tables of another width", () => {
  it("keeps a full-width table full width when a later ingest asks for PCA, and says so", async () => {
    const db = path.join(dir, "basic-then-standard");
    const first = ingestJson([generateVcf(dir, 1500, 21), "--db", db, "--level", "basic"]);
    expect(first.dims).toBe(1536);
    const second = ingestJson([file, "--db", db, "--level", "standard"]);
    expect(second.dims).toBe(1536);
    expect(String(second.reduction)).toMatch(/stores full-width vectors/);
    expect(second.variantsWritten).toBeGreaterThan(0);
    expect(existsSync(path.join(db, "variants.pca"))).toBe(false);
    expect((await readTable(db, "variants", 5)).dims).toBe(1536);
  }, 600_000);

  it("refuses a reduced table whose PCA model is gone, naming the table and both widths, and writes nothing", async () => {
    const db = path.join(dir, "model-gone");
    ingestJson([file, "--db", db, "--level", "standard"]);
    const rows = (await readTable(db, "variants", 1)).ids.length;
    rmSync(path.join(db, "variants.pca"));
    const other = generateVcf(dir, 800, 22);
    const r = runCli(["ingest", other, "--db", db, "--quiet"]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`table "variants" in ${db} stores 768-d vectors; provider local:vcf-hash-v1:1536 gives 1536-d`);
    expect(r.stderr).toContain(`no PCA model at ${path.join(db, "variants.pca")}`);
    expect((await readTable(db, "variants", 1)).ids.length).toBe(rows);
    const q = runCli(["search", "BRCA1", "--db", db]);
    expect(q.status).toBe(3);
    expect(q.stderr).toContain("stores 768-d vectors");
  }, 600_000);
});

describe("a corrupt PCA model next to a table", () => {
  it("fails ingest and search with the model file named", async () => {
    const db = path.join(dir, "corrupt-model");
    ingestJson([file, "--db", db, "--level", "standard"]);
    const rows = (await readTable(db, "variants", 1)).ids.length;
    const model = path.join(db, "variants.pca");
    const bytes = readFileSync(model);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff; // one flipped byte in the components
    writeFileSync(model, bytes);
    const r = runCli(["ingest", generateVcf(dir, 800, 23), "--db", db, "--quiet"]);
    expect(r.status).toBe(3);
    expect(r.stderr).toBe(`vcf-agent: ${model}: not a usable PCA model: checksum mismatch (corrupt file)\n`);
    expect((await readTable(db, "variants", 1)).ids.length).toBe(rows);
    writeFileSync(model, "not a model");
    const q = runCli(["search", "BRCA1", "--db", db]);
    expect(q.status).toBe(3);
    expect(q.stderr).toMatch(new RegExp(`^vcf-agent: ${model.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not a usable PCA model: `));
  }, 600_000);
});
