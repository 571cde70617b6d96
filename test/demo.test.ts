/**
 * `vcf-agent demo` on the bundled real ClinVar slice: what a clinical geneticist's first
 * search returns, asserted on the data (genes and classifications), not on scores.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { SessionConfig } from "../src/config.js";
import { DEMO_QUERIES, SAMPLE_VCF } from "../src/cli/demo.js";
import { VariantSearch } from "../src/pipeline/search.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const db = path.join(mkdtempSync(path.join(tmpdir(), "vcf-agent-demo-")), "db");
let out: string;

/** The rows of the n-th hit table the demo printed: [rank, distance, variant_id, gene, consequence, clinical_significance, …]. */
function table(n: number): string[][] {
  const blocks = out.split("\n$ vcf-agent ").slice(1);
  const lines = (blocks[n] ?? "").split("\n").slice(2);
  const rows: string[][] = [];
  for (const line of lines) {
    if (!/^\d+\s/.test(line)) break;
    rows.push(line.split(/\s+/));
  }
  return rows;
}

beforeAll(() => {
  out = execFileSync(process.execPath, [path.join(root, "dist/cli/main.js"), "demo", "--quiet", "--db", db], { encoding: "utf8", maxBuffer: 1 << 26 });
}, 180_000);

describe("npm run demo", () => {
  it("ingests the real ClinVar slice bundled in data/", () => {
    expect(SAMPLE_VCF.endsWith(path.join("data", "clinvar_GRCh38_20260226_chr13_chr17.vcf.gz"))).toBe(true);
    expect(out).toMatch(/variants: 39843 read, 39843 written/);
  });

  it("its first search returns BRCA1 variants classified Pathogenic in the top 5", () => {
    const rows = table(0);
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      expect(r[3]).toBe("BRCA1");
      expect(r[5]).toBe("Pathogenic");
    }
  });

  it("its second search keeps to expert-panel (likely) pathogenic BRCA2 frameshifts, and its third to VUS", () => {
    for (const r of table(1)) {
      expect(r[3]).toBe("BRCA2");
      expect(r[4]).toBe("frameshift_variant");
      expect(["Pathogenic", "Likely_pathogenic"]).toContain(r[5]);
    }
    expect(table(1).length).toBeGreaterThan(0);
    expect(table(2).length).toBe(5);
    for (const r of table(2)) expect(r[5]).toBe("Uncertain_significance");
  });

  it("the same searches through the library agree with the data: every first-search hit's record says BRCA1 and Pathogenic", async () => {
    const search = await VariantSearch.open(new SessionConfig({ store: { uri: db } }));
    try {
      const hits = await search.text(DEMO_QUERIES[0]!.text!, { k: 5 });
      for (const h of hits) {
        // The stored description is what was embedded; it was built from the record's GENEINFO and CLNSIG.
        expect(h.provenance.embeddedText).toContain("in gene BRCA1");
        expect(h.provenance.embeddedText).toContain("clinical significance Pathogenic");
        expect(h.provenance.line).toBeGreaterThan(0);
      }
    } finally {
      search.close();
    }
  });

  it("shows one traced hit and the MCP client snippet", () => {
    const traced = /one hit, traced[^\n]*\n(\{[\s\S]*?\n\})\n/.exec(out);
    expect(traced).not.toBeNull();
    const hit = JSON.parse(traced![1]!) as { provenance: { source: string; line: number; embedder: string; pcaModel: { sha256: string }; metric: string } };
    expect(hit.provenance).toMatchObject({ source: SAMPLE_VCF, embedder: "local:vcf-hash-v1:1536", metric: "cosine" });
    expect(hit.provenance.pcaModel.sha256).toMatch(/^[0-9a-f]{64}$/);
    const snippet = /configuration[^\n]*:\n(\{[\s\S]*\n\})\n?$/.exec(out);
    expect(JSON.parse(snippet![1]!)).toEqual({ mcpServers: { "vcf-agent": { command: "npx", args: ["vcf-agent", "mcp", "--db", db] } } });
  });
});
