/**
 * The MCP server as an agent meets it: the SDK's own Client over stdio against the built
 * CLI, and over Streamable HTTP against `serve` (behind the API key), on a table of the real
 * ClinVar slice. Results are compared with the REST API's for the same query and filters.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionConfig } from "../src/config.js";
import { CHAR_BUDGET } from "../src/mcp/_page.js";
import { hitSchema, pageShape, provenanceSchema, variantSchema } from "../src/mcp/shapes.js";
import { ingestVcf } from "../src/pipeline/ingest.js";
import { buildServer, type VcfAgentServer } from "../src/server/app.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLINVAR = path.join(root, "data/clinvar_GRCh38_20260226_chr13_chr17.vcf.gz");
const KEY = "mcp-test-key-0123456789";
const db = path.join(mkdtempSync(path.join(tmpdir(), "vcf-agent-mcp-")), "db");
const config = new SessionConfig({ store: { uri: db } });

let server: VcfAgentServer;
let origin: string;
let stdio: Client;
let http: Client;

const text = (r: CallToolResult): string => (r.content[0] as { text: string }).text;
const page = z.object(pageShape);

async function rest(body: Record<string, unknown>): Promise<{ variantId: string; provenance: unknown }[]> {
  const r = await fetch(`${origin}/v1/search`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` }, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { hits: { variantId: string; provenance: unknown }[] }).hits;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

beforeAll(async () => {
  const summary = await ingestVcf({ input: CLINVAR, config });
  expect(summary.variantsWritten).toBe(39_843);
  server = await buildServer({ config, logLevel: false, apiKey: KEY });
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  const address = server.app.server.address() as { port: number };
  origin = `http://127.0.0.1:${address.port}`;
  stdio = new Client({ name: "vcf-agent-test", version: "1" });
  await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [path.join(root, "dist/cli/main.js"), "mcp", "--db", db], stderr: "pipe" }));
  http = new Client({ name: "vcf-agent-test", version: "1" });
  await http.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { requestInit: { headers: { authorization: `Bearer ${KEY}` } } }));
}, 120_000);

afterAll(async () => {
  await stdio?.close();
  await http?.close();
  await server?.close();
});

describe("MCP tools", () => {
  it("lists four read-only tools, each with an input and an output schema, over stdio and HTTP alike", async () => {
    for (const client of [stdio, http]) {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["dataset_stats", "get_variant", "search_variants", "similar_variants"]);
      for (const t of tools) {
        expect(t.inputSchema.type).toBe("object");
        expect(t.outputSchema?.type).toBe("object");
        expect(t.annotations?.readOnlyHint).toBe(true);
        expect(t.description?.length).toBeGreaterThan(40);
      }
    }
    const { resources } = await stdio.listResources();
    expect(resources.map((r) => r.uri)).toContain("vcf-agent://schema");
    const schema = await stdio.readResource({ uri: "vcf-agent://schema" });
    expect(JSON.parse((schema.contents[0] as { text: string }).text).filters).toHaveProperty("clinical_significance");
  });

  it("search_variants returns the variants POST /v1/search returns for the same query and filters, traced", async () => {
    const query = "pathogenic missense variant in BRCA1";
    for (const client of [stdio, http]) {
      const r = await call(client, "search_variants", { query, filters: { gene: "BRCA1", clinical_significance: ["Pathogenic", "Likely_pathogenic"] }, k: 10 });
      expect(r.isError).toBeFalsy();
      const p = page.parse(r.structuredContent);
      const expected = await rest({ text: query, k: 10, filters: ["gene=BRCA1", "clinical_significance in Pathogenic,Likely_pathogenic"] });
      expect(p.hits.map((h) => h.variantId)).toEqual(expected.map((h) => h.variantId));
      expect(p.hits.map((h) => h.provenance)).toEqual(expected.map((h) => h.provenance));
      for (const h of p.hits) {
        expect(h.gene).toBe("BRCA1");
        expect(["Pathogenic", "Likely_pathogenic"]).toContain(h.clinicalSignificance);
        expect(h.provenance.line).toBeGreaterThan(0);
        expect(h.provenance.source).toBe(CLINVAR);
        expect(h.provenance.pcaModel?.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(h.provenance.metric).toBe("cosine");
      }
      expect(p.truncated).toBe(false);
      expect(p.next_cursor).toBeNull();
      expect(text(r)).toMatch(/^10 of 10 hit\(s\); nearest 17-/);
    }
  });

  it("similar_variants takes a variant id or its fields, and matches POST /v1/search {variantId}", async () => {
    const id = "17-43045761-A-C";
    const byId = page.parse((await call(stdio, "similar_variants", { variant_id: id, k: 5 })).structuredContent);
    const byFields = page.parse((await call(http, "similar_variants", { variant: { chrom: "17", pos: 43045761, ref: "A", alt: "C" }, k: 5 })).structuredContent);
    const expected = await rest({ variantId: id, k: 5 });
    expect(byId.hits.map((h) => h.variantId)).toEqual(expected.map((h) => h.variantId));
    expect(byFields.hits.map((h) => h.variantId)).toEqual(expected.map((h) => h.variantId));
    expect(byId.hits.map((h) => h.variantId)).not.toContain(id);
  });

  it("get_variant gives every stored field, the embedded description and the provenance", async () => {
    const r = await call(stdio, "get_variant", { variant_id: "17-43124095-A-T" });
    const out = z.object({ variant: variantSchema, provenance: provenanceSchema }).parse(r.structuredContent);
    expect(out.variant).toMatchObject({ gene: "BRCA1", consequence: "missense_variant", clinicalSignificance: "Pathogenic", id: "801069", sourceLine: 39723 });
    expect(out.provenance.embeddedText).toBe(out.variant.description);
    expect(out.provenance.line).toBe(39723);
    expect(text(r)).toContain("17-43124095-A-T (BRCA1, missense_variant, Pathogenic)");
  });

  it("dataset_stats names rows, width, embedder, model, and the filterable fields with their most frequent values", async () => {
    const r = await call(http, "dataset_stats", {});
    const s = r.structuredContent as { rows: number; dimensions: number; embedder: string; pca_model: { sha256: string }; filterable_fields: { field: string; top_values: { value: string; count: number }[] }[] };
    expect(s.rows).toBe(39_843);
    expect(s.dimensions).toBe(768);
    expect(s.embedder).toBe("local:vcf-hash-v1:1536");
    expect(s.pca_model.sha256).toMatch(/^[0-9a-f]{64}$/);
    const byField = new Map(s.filterable_fields.map((f) => [f.field, f.top_values]));
    // The slice's MANIFEST: BRCA2 21,033 records, BRCA1 14,998, TP53 3,821 (sites; ALTs split here).
    expect(byField.get("gene")?.slice(0, 3).map((v) => v.value)).toEqual(["BRCA2", "BRCA1", "TP53"]);
    expect(byField.get("clinical_significance")?.[0]?.value).toBe("Pathogenic");
    expect(byField.get("chrom")?.map((v) => v.value).sort()).toEqual(["13", "17"]);
    expect(JSON.stringify(r).length).toBeLessThan(CHAR_BUDGET);
  });
});

describe("token budget and paging", () => {
  it("k = 200 comes in pages each under the budget whose union is the unpaged result", async () => {
    const args = { query: "variant in BRCA2", k: 200 };
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await call(stdio, "search_variants", cursor === null ? args : { ...args, cursor });
      expect(r.isError).toBeFalsy();
      expect(JSON.stringify(r).length).toBeLessThanOrEqual(CHAR_BUDGET);
      const p = page.parse(r.structuredContent);
      expect(p.offset).toBe(seen.length);
      expect(p.total).toBe(200);
      if (p.next_cursor !== null) {
        expect(p.truncated).toBe(true);
        expect(p.note).toMatch(/cut after rank \d+ of 200 to stay under 8000 tokens/);
      }
      p.hits.forEach((h, i) => expect(h.rank).toBe(seen.length + i + 1));
      seen.push(...p.hits.map((h) => h.variantId));
      cursor = p.next_cursor;
      pages++;
    } while (cursor !== null && pages < 50);
    expect(pages).toBeGreaterThan(1);
    const unpaged = await rest({ text: args.query, k: 200 });
    expect(seen).toEqual(unpaged.map((h) => h.variantId));
    expect(new Set(seen).size).toBe(200);
  });

  it("refuses a cursor from another call or one that is not a cursor", async () => {
    const first = page.parse((await call(stdio, "search_variants", { query: "variant in BRCA2", k: 200 })).structuredContent);
    const other = await call(stdio, "search_variants", { query: "variant in TP53", k: 200, cursor: first.next_cursor });
    expect(other.isError).toBe(true);
    expect(text(other)).toMatch(/^cursor: belongs to another call/);
    const junk = await call(stdio, "search_variants", { query: "x", cursor: "not-a-cursor" });
    expect(junk.isError).toBe(true);
    expect(text(junk)).toMatch(/^cursor: not a cursor this server gave out/);
  });
});

describe("bad input is a tool error naming the field; the server keeps answering", () => {
  it("an unknown filter field names the allowed fields", async () => {
    const r = await call(stdio, "search_variants", { query: "BRCA1", filters: { gen: "BRCA1" } });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('filters: unknown field(s) "gen"; allowed fields: gene, chrom, region, clinical_significance, consequence, review_status, af_min, af_max');
  });

  it("k out of range, a malformed id, a malformed region and an unknown variant", async () => {
    for (const k of [0, 201, 2.5]) {
      const r = await call(http, "search_variants", { query: "BRCA1", k });
      expect(r.isError, String(k)).toBe(true);
      expect(text(r)).toContain("k must be an integer from 1 to 200");
    }
    const bad = await call(stdio, "get_variant", { variant_id: "17:43045761 A>C" });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/^variant_id: "17:43045761 A>C" is not a variant id \(chrom-pos-ref-alt/);
    const region = await call(stdio, "search_variants", { query: "BRCA1", filters: { region: "17:200-100" } });
    expect(region.isError).toBe(true);
    expect(text(region)).toMatch(/^filters\.region: region '17:200-100': end 100 must be an integer ≥ start/);
    const missing = await call(stdio, "get_variant", { variant_id: "17-1-A-G" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^variant 17-1-A-G not found in table "variants"/);
    const similarMissing = await call(http, "similar_variants", { variant_id: "17-1-A-G" });
    expect(text(similarMissing)).toMatch(/^variant 17-1-A-G not found/);
  });

  it("a filter value carrying SQL matches nothing, and the server still answers", async () => {
    for (const filters of [{ gene: "BRCA1' OR '1'='1" }, { clinical_significance: ["Pathogenic') OR (1=1"] }, { review_status: ["x'; DROP TABLE variants; --"] }]) {
      const r = await call(stdio, "search_variants", { query: "pathogenic", filters, k: 10 });
      expect(r.isError).toBeFalsy();
      expect(page.parse(r.structuredContent).hits).toEqual([]);
    }
    const after = page.parse((await call(stdio, "search_variants", { query: "pathogenic", filters: { gene: "BRCA1" }, k: 3 })).structuredContent);
    expect(after.hits).toHaveLength(3);
    expect((await call(stdio, "dataset_stats", {})).isError).toBeFalsy();
  });
});

describe("/mcp on serve", () => {
  it("is behind the API key: 401 without it", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const anonymous = await fetch(`${origin}/mcp`, { method: "POST", headers, body });
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${origin}/mcp`, { method: "POST", headers: { ...headers, authorization: "Bearer nope" }, body });
    expect(wrong.status).toBe(401);
    const client = new Client({ name: "anonymous", version: "1" });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`)))).rejects.toThrow();
    const get = await fetch(`${origin}/mcp`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(get.status).toBe(405);
  });

  it("hits validate against the published hit schema", async () => {
    const r = await call(http, "search_variants", { query: "frameshift variant", filters: { gene: "BRCA2" }, k: 3 });
    for (const h of (r.structuredContent as { hits: unknown[] }).hits) hitSchema.parse(h);
  });
});
