/**
 * The MCP server over a variant table (`vcf-agent/mcp`): the tools of tools.ts and a
 * `vcf-agent://schema` resource describing the stored fields and the filters, served over
 * stdio (`vcf-agent mcp`) or Streamable HTTP (`/mcp` on `vcf-agent serve`).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { METADATA_COLUMNS } from "../store/index.js";
import { TOKEN_BUDGET } from "./_page.js";
import { AGENT_FILTER_FIELDS } from "./filters.js";
import { MAX_K, registerTools, type VariantTable } from "./tools.js";

/** Identity the server reports to clients. */
export interface McpServerInfo {
  readonly version: string;
}

/** URI of the schema resource. */
export const SCHEMA_URI = "vcf-agent://schema";

/**
 * A new MCP server answering from `table`. Cheap to build: the HTTP route builds one per
 * request (stateless), stdio one per process.
 */
export function createMcpServer(table: VariantTable, info: McpServerInfo): McpServer {
  const server = new McpServer(
    { name: "vcf-agent", version: info.version },
    {
      instructions:
        "Search a table of annotated genomic variants (VCF records described as text and embedded). " +
        "Call dataset_stats first to learn what the table holds and which filter values exist; " +
        "search_variants for a text query with typed filters; similar_variants for neighbours of one variant; get_variant for every field of one. " +
        `Results are paged under ${TOKEN_BUDGET} tokens: pass next_cursor with the same arguments for more.`,
    },
  );
  registerTools(server, table);
  server.registerResource(
    "schema",
    SCHEMA_URI,
    { title: "Variant table schema", description: "stored columns, filter fields and limits of the search tools", mimeType: "application/json" },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: "application/json",
          text: JSON.stringify(
            {
              columns: METADATA_COLUMNS,
              filters: AGENT_FILTER_FIELDS,
              k: { min: 1, max: MAX_K, default: 10 },
              tokenBudget: TOKEN_BUDGET,
              variantId: "chrom-pos-ref-alt after splitting multi-allelic sites, e.g. 17-43045712-G-A",
              metric: "cosine distance (0 = same direction)",
            },
            null,
            2,
          ),
        },
      ],
    }),
  );
  return server;
}
