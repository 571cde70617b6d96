/** The HTTP service (`vcf-agent/server`): fastify app with search, ingest jobs, stats, /metrics and the dashboard. */
export { buildServer, type ServerOptions, type VcfAgentServer } from "./app.js";
