import type { Command } from "commander";
import { serveMcpStdio } from "../mcp/stdio.js";
import { action } from "./_run.js";
import { configOptions, readConsistencyOption, SERVING_READ_CONSISTENCY_SECONDS, sessionFromFlags, type ConfigFlags } from "./_config.js";

/** `vcf-agent mcp`: an MCP server over stdio for an agent (Claude, an IDE assistant, a local agent). */
export function registerMcp(program: Command): void {
  const command = program
    .command("mcp")
    .description("MCP server over stdio: search_variants, similar_variants, get_variant and dataset_stats for an LLM agent");
  readConsistencyOption(configOptions(command, { store: true, provider: "embedding provider (must be the one that filled the table)" }))
    .option("--search-tier", "answer searches from an in-memory tier (~190 bytes a variant, vectors in a temp dir) once it is built and current; off by default here, because paged results would change rank when the tier takes over from LanceDB between pages")
    .addHelpText("after", '\nClient configuration: {"mcpServers": {"vcf-agent": {"command": "npx", "args": ["vcf-agent", "mcp", "--db", "/path/to/vcf-agent-db"]}}}')
    .action(
      action(async (flags: ConfigFlags & { searchTier?: boolean }) => {
        const config = await sessionFromFlags(flags, { store: { readConsistencySeconds: SERVING_READ_CONSISTENCY_SECONDS } });
        const mcp = await serveMcpStdio(config, { searchTier: flags.searchTier === true });
        const stop = (): void => void mcp.close().finally(() => process.exit(0));
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
        await mcp.closed;
        await mcp.close();
      }),
    );
}
