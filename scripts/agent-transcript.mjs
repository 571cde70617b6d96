#!/usr/bin/env node
// Prints a Markdown transcript of an MCP session against `vcf-agent mcp --db DB` (stdio), made
// with the MCP SDK's own Client: the calls an agent makes and what it gets back (long results
// shortened where marked). Used for docs/agents.md.
// Usage: npm run build && node scripts/agent-transcript.mjs [DB]   (default ./vcf-agent-db, e.g. after npm run demo)
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const db = path.resolve(process.argv[2] ?? "vcf-agent-db");
const client = new Client({ name: "transcript", version: "1" });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [path.join(root, "dist/cli/main.js"), "mcp", "--db", db] }));

const out = [];
const show = (v) => JSON.stringify(v, null, 2);
async function call(name, args, shorten = (s) => s) {
  const r = await client.callTool({ name, arguments: args });
  out.push(`**call** \`${name}\`\n\n\`\`\`json\n${show(args)}\n\`\`\`\n`);
  out.push(`**result** (${r.isError ? "isError" : "ok"}) — text: ${JSON.stringify(r.content[0]?.text)}\n`);
  if (r.structuredContent) out.push(`\`\`\`json\n${show(shorten(structuredClone(r.structuredContent)))}\n\`\`\`\n`);
  return r;
}
const firstHits = (n) => (s) => ({ ...s, hits: [...s.hits.slice(0, n), ...(s.hits.length > n ? [`… ${s.hits.length - n} more hits on this page`] : [])] });

const { tools } = await client.listTools();
out.push(`**tools/list** → ${tools.map((t) => `\`${t.name}\``).join(", ")}\n`);
await call("dataset_stats", {}, (s) => ({ ...s, filterable_fields: s.filterable_fields.map((f) => ({ ...f, top_values: f.top_values.slice(0, 4) })) }));
const first = await call(
  "search_variants",
  { query: "pathogenic missense variant in BRCA1", filters: { review_status: ["reviewed by expert panel"] }, k: 3 },
  firstHits(2),
);
const id = first.structuredContent.hits[0].variantId;
await call("get_variant", { variant_id: id });
await call("similar_variants", { variant_id: id, filters: { clinical_significance: ["Uncertain_significance"] }, k: 2 });
const paged = await call("search_variants", { query: "frameshift variant in BRCA2", k: 100 }, firstHits(1));
await call("search_variants", { query: "frameshift variant in BRCA2", k: 100, cursor: paged.structuredContent.next_cursor }, firstHits(1));
await call("search_variants", { query: "BRCA1", filters: { significance: ["Pathogenic"] } });
await client.close();
process.stdout.write(out.join("\n"));
