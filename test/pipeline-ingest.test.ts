// End-to-end ingest through the built CLI on a generated 5,000-record file: the table
// holds exactly the reader's variant set at the level's width, the PCA model sits next
// to it, re-ingest adds nothing, and search/similar/filters answer from it.
import { existsSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSessionConfig } from "../src/config.js";
import { MIN_INDEX_ROWS } from "../src/pipeline/ingest.js";
import { SCALAR_INDEXES } from "../src/store/indexes.js";
import { BASE_NPROBES, EXACT_MAX_MATCHES, VariantSearch } from "../src/pipeline/search.js";
import { describeIds, describeRows, distinct, generateVcf, ingestJson, readTable, runCli, sorted, tempDir } from "./_pipeline-helpers.js";

const dir = tempDir("pipeline-ingest");
let file: string;
let ids: string[];
let rows: ReturnType<typeof describeRows>;

beforeAll(() => {
  file = generateVcf(dir, 5000, 4);
  rows = describeRows(file);
  ids = distinct(rows.map((r) => r.variantId));
}, 120_000);

// Tables of these sizes take hundreds of MB: leave nothing behind.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Unit length, finite components. */
function expectUnit(v: Float32Array): void {
  let s = 0;
  for (const x of v) {
    expect(Number.isFinite(x)).toBe(true);
    s += x * x;
  }
  expect(Math.abs(Math.sqrt(s) - 1)).toBeLessThan(1e-4);
}

describe("ingest at standard", () => {
  const db = path.join(dir, "standard-db");

  it("stores exactly the reader's distinct variants at 768 dims, with the PCA model next to the table", async () => {
    // The generator repeats some records: the file has more variants than distinct ids.
    expect(rows.length).toBeGreaterThan(ids.length);
    const s = ingestJson([file, "--db", db, "--level", "standard"]);
    expect(s.tableRows).toBe(ids.length);
    expect(s.variantsWritten).toBe(ids.length);
    expect(s.dims).toBe(768);
    expect(s.duplicatesInFile).toBe(rows.length - ids.length);
    expect(String(s.reduction)).toMatch(/PCA 1536→768/);
    const model = path.join(db, "variants.pca");
    expect(existsSync(model) && statSync(model).size).toBeGreaterThan(768 * 1536 * 4);
    const t = await readTable(db);
    expect(t.dims).toBe(768);
    expect(t.ids.length).toBe(ids.length);
    expect(sorted(t.ids)).toEqual(sorted(ids));
    for (const v of t.vectors) expectUnit(v);
  });

  it("adds nothing on re-ingest and says the variants are already stored", async () => {
    const s = ingestJson([file, "--db", db, "--level", "standard"]);
    expect(s.variantsWritten).toBe(0);
    expect(s.variantsAlreadyStored).toBe(rows.length);
    expect(s.tableRows).toBe(ids.length);
    const text = runCli(["ingest", file, "--db", db, "--quiet"]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`0 written, ${rows.length} already stored`));
    expect((await readTable(db)).ids.length).toBe(ids.length);
  });

  it("finds a stored variant's own description as its nearest neighbour, at distance ≈ 0", () => {
    // Ids that occur once: a repeated id keeps its first row, whose description may differ from a later one's.
    const count = new Map<string, number>();
    for (const r of rows) count.set(r.variantId, (count.get(r.variantId) ?? 0) + 1);
    const once = rows.filter((r) => count.get(r.variantId) === 1);
    for (const row of [once[0]!, once[Math.floor(once.length / 2)]!, once[once.length - 1]!]) {
      const r = runCli(["search", row.description, "--db", db, "--k", "3", "--format", "jsonl"]);
      expect(r.status, r.stderr).toBe(0);
      const hits = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { variantId: string; distance: number });
      expect(hits).toHaveLength(3);
      expect(hits[0]!.variantId).toBe(row.variantId);
      expect(hits[0]!.distance).toBeLessThan(1e-5);
      expect(hits[1]!.distance).toBeGreaterThan(hits[0]!.distance);
    }
  });

  it("similar excludes the variant itself", () => {
    const id = rows[100]!.variantId;
    const r = runCli(["similar", id, "--db", db, "--k", "5", "--format", "jsonl"]);
    expect(r.status, r.stderr).toBe(0);
    const hits = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { variantId: string; distance: number });
    expect(hits).toHaveLength(5);
    expect(hits.map((h) => h.variantId)).not.toContain(id);
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.distance).toBeGreaterThanOrEqual(hits[i - 1]!.distance);
  });

  it("applies filters given on the command line", () => {
    const withGene = rows.find((r) => r.gene !== null && r.clinicalSignificance !== null)!;
    const gene = withGene.gene!;
    const expected = new Set(rows.filter((r) => r.gene === gene).map((r) => r.variantId));
    const r = runCli(["search", "pathogenic missense variant", "--db", db, "--k", "50", "--filter", `gene=${gene}`, "--format", "jsonl"]);
    expect(r.status, r.stderr).toBe(0);
    const hits = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { variantId: string; gene: string });
    expect(hits.length).toBe(Math.min(50, expected.size));
    for (const h of hits) {
      expect(h.gene).toBe(gene);
      expect(expected.has(h.variantId)).toBe(true);
    }
    const sig = withGene.clinicalSignificance!;
    const both = runCli(["search", "variant", "--db", db, "--k", "20", "--filter", `gene=${gene}`, "--filter", `clinical_significance=${sig}`, "--format", "jsonl"]);
    expect(both.status, both.stderr).toBe(0);
    for (const line of both.stdout.trim().split("\n")) expect(JSON.parse(line)).toMatchObject({ gene, clinicalSignificance: sig });
  });

  it("refuses an unknown filter field and lists the valid ones", () => {
    const r = runCli(["search", "BRCA1", "--db", db, "--filter", "colour=red"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown field "colour"; valid fields: .*gene.*clinical_significance/);
    expect(r.stdout).toBe("");
  });
});

describe("ingest at other levels", () => {
  it("basic stores full width (1536) and says why", async () => {
    const db = path.join(dir, "basic-db");
    const s = ingestJson([file, "--db", db, "--level", "basic"]);
    expect(s.dims).toBe(1536);
    expect(s.tableRows).toBe(ids.length);
    expect(String(s.reduction)).toBe("dimension reduction disabled");
    expect(existsSync(path.join(db, "variants.pca"))).toBe(false);
    expect((await readTable(db)).dims).toBe(1536);
  });

  it("aggressive stores 512 dims and skips the ANN index below MIN_INDEX_ROWS", async () => {
    const db = path.join(dir, "aggressive-db");
    expect(ids.length).toBeLessThan(MIN_INDEX_ROWS);
    const s = ingestJson([file, "--db", db, "--level", "aggressive"]);
    expect(s.dims).toBe(512);
    expect(s.tableRows).toBe(ids.length);
    expect(s.index).toBeNull();
    expect(s.scalarIndexes).toBeNull();
    const stats = runCli(["stats", "--db", db, "--format", "json"]);
    expect(JSON.parse(stats.stdout)).toMatchObject({ rows: ids.length, dims: 512, indices: [] });
  });

  it("aggressive builds its ANN index once the table reaches MIN_INDEX_ROWS", async () => {
    const big = generateVcf(dir, 11_000, 5);
    const bigIds = distinct(describeIds(big));
    expect(bigIds.length).toBeGreaterThanOrEqual(MIN_INDEX_ROWS);
    const db = path.join(dir, "aggressive-big-db");
    const s = ingestJson([big, "--db", db, "--level", "aggressive"]);
    expect(s.dims).toBe(512);
    expect(s.tableRows).toBe(bigIds.length);
    expect(s.index).toMatchObject({ type: expect.stringMatching(/^ivf_/) });
    const stats = JSON.parse(runCli(["stats", "--db", db, "--format", "json"]).stdout) as { indices: { columns: string[]; indexedRows: number }[] };
    // With the ANN index come the scalar indexes of the filter columns, each over every row.
    expect(s.scalarIndexes).toMatchObject({ columns: SCALAR_INDEXES.map((i) => `${i.column}_idx`) });
    expect(stats.indices.map((i) => i.columns.join(",")).sort()).toEqual(["vector", ...SCALAR_INDEXES.map((i) => i.column)].sort());
    for (const i of stats.indices) expect(i).toMatchObject({ indexedRows: bigIds.length });

    // The same file again writes nothing and leaves the indexes, which cover every row, as they are:
    // no new table version.
    const versionOf = (): number => (JSON.parse(runCli(["stats", "--db", db, "--format", "json"]).stdout) as { version: number }).version;
    const before = versionOf();
    const again = ingestJson([big, "--db", db, "--level", "aggressive"]);
    expect(again.variantsWritten).toBe(0);
    expect(again.index).toBeNull();
    expect(again.scalarIndexes).toBeNull();
    expect(versionOf()).toBe(before);

    // A filter matching few rows is answered exactly; one matching many probes 20 / selectivity
    // partitions, so it finds what exact search finds.
    const config = await resolveSessionConfig({ env: {}, overrides: { store: { uri: db }, memoryOptimization: { optimizationLevel: "aggressive" } } });
    const search = await VariantSearch.open(config);
    const filter = "clinical_significance=Pathogenic";
    const matching = await search.store.count([filter]);
    expect(matching).toBeGreaterThan(0);
    expect(matching).toBeLessThanOrEqual(EXACT_MAX_MATCHES);
    expect(await search.plan({ filters: [filter] })).toEqual({ filters: [filter], exact: true });
    search.exactMaxMatches = matching - 1;
    expect((await search.plan({ filters: [filter] })).nprobes).toBe(Math.ceil((BASE_NPROBES * bigIds.length) / matching));
    expect(await search.plan({ filters: [filter], nprobes: 3 })).toEqual({ filters: [filter], nprobes: 3 });
    expect((await search.plan({})).nprobes).toBeUndefined();
    search.close();

    // The counts are kept per table version, never past it: rows another process appends are counted.
    const watching = await VariantSearch.open(
      await resolveSessionConfig({ env: {}, overrides: { store: { uri: db, readConsistencySeconds: 0 }, memoryOptimization: { optimizationLevel: "aggressive" } } }),
    );
    watching.exactMaxMatches = 0;
    expect((await watching.plan({ filters: [filter] })).nprobes).toBe(Math.ceil((BASE_NPROBES * bigIds.length) / matching));
    const more = generateVcf(dir, 3000, 6);
    const added = ingestJson([more, "--db", db, "--level", "aggressive"]);
    const rowsNow = added.tableRows;
    expect(rowsNow).toBeGreaterThan(bigIds.length);
    const matchingNow = await watching.store.count([filter]);
    expect(matchingNow).toBeGreaterThan(matching);
    expect((await watching.plan({ filters: [filter] })).nprobes).toBe(Math.ceil((BASE_NPROBES * rowsNow) / matchingNow));
    watching.close();
    const ids = (args: string[]): string[] =>
      runCli(["search", "pathogenic missense variant in BRCA2", "--db", db, "--filter", filter, "--format", "jsonl", ...args])
        .stdout.trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { variantId: string }).variantId);
    expect(ids([])).toEqual(ids(["--exact"]));
  }, 600_000);
});
