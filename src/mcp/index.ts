/** The MCP server over a variant table (`vcf-agent/mcp`): stdio, or a server object to mount on another transport. */
export { createMcpServer, SCHEMA_URI, type McpServerInfo } from "./server.js";
export { serveMcpStdio, type StdioMcp } from "./stdio.js";
export { registerTools, MAX_K, type VariantTable } from "./tools.js";
export { agentFilterSchema, toStoreFilters, AGENT_FILTER_FIELDS, type AgentFilters } from "./filters.js";
export { TOKEN_BUDGET } from "./_page.js";
