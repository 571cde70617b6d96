/** `vcf-agent mcp`: the MCP server over stdio, for clients that start it as a subprocess. */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { SessionConfig } from "../config.js";
import { createProvider, readyProvider } from "../providers/create.js";
import { TableHandle } from "../pipeline/table-handle.js";
import { VERSION } from "../util/version.js";
import { createMcpServer } from "./server.js";

/** A running stdio server; `closed` settles when the client hangs up. */
export interface StdioMcp {
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves the configured table over stdin/stdout until the client closes the stream.
 * Everything but protocol messages goes to stderr. The table is opened on the first call
 * and reopened when it changes on disk (an ingest elsewhere), at most once a second.
 * With `searchTier`, searches are answered from the in-memory tier once it is built and
 * current (pipeline/search-tier.ts); `vcf-agent mcp --search-tier` turns it on.
 */
export async function serveMcpStdio(config: SessionConfig, options: { readonly searchTier?: boolean } = {}): Promise<StdioMcp> {
  const provider = await readyProvider(createProvider(config.embedding, config.memoryOptimization));
  const table = new TableHandle(config, provider, undefined, { searchTier: options.searchTier ?? false });
  const server = createMcpServer(table, { version: VERSION });
  const transport = new StdioServerTransport();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  transport.onclose = () => resolveClosed();
  process.stdin.on("end", () => resolveClosed());
  await server.connect(transport);
  const close = async (): Promise<void> => {
    await server.close();
    await table.close();
  };
  return { closed, close };
}
