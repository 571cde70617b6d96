/**
 * `/mcp`: the MCP server over Streamable HTTP, stateless — each POST gets a fresh server
 * and transport over the service's shared table handle (the same search and stats code as
 * the REST routes), so replicas need no session affinity. Behind the API key like every route.
 */
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { FastifyInstance } from "fastify";
import { createMcpServer } from "../../mcp/server.js";
import { VERSION } from "../../util/version.js";
import type { ServerContext } from "../context.js";

/** Registers POST /mcp (and a 405 for GET/DELETE: there are no sessions to stream or end). */
export function registerMcpRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.post("/mcp", async (request, reply) => {
    const server = createMcpServer(ctx.table, { version: VERSION });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body);
  });
  const notAllowed = async (_request: unknown, reply: { code(n: number): unknown; header(k: string, v: string): unknown }) => {
    reply.code(405);
    reply.header("allow", "POST");
    return { jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: this MCP endpoint is stateless; send requests with POST" }, id: null };
  };
  app.get("/mcp", notAllowed);
  app.delete("/mcp", notAllowed);
}
