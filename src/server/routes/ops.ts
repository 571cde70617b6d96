/** GET /health, /metrics, /v1/stats and the dashboard page at /. */
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "../context.js";
import { DASHBOARD_CSP, dashboardHtml } from "../dashboard/page.js";

const MB = 1048576;
const mb = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;

/** Registers the operational routes. */
export function registerOpsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get("/health", async () => ({ status: "ok", uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000) }));

  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", ctx.metrics.contentType);
    return ctx.metrics.text();
  });

  app.get("/v1/stats", async () => {
    const table = await ctx.table.stats();
    const { optimization, status } = await ctx.table.use(async ({ service }) => ({
      optimization: service.getOptimizationStats(),
      status: service.getOptimizationStatus(),
    }));
    const m = process.memoryUsage();
    const active = ctx.jobs.active;
    return {
      table,
      optimization,
      status,
      memory: { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) },
      jobs: {
        active: active === null ? null : { id: active.id, state: active.state, source: active.source, startedAt: active.startedAt, progress: active.progress },
      },
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
    };
  });

  const page = dashboardHtml();
  app.get("/", async (_request, reply) => {
    reply.header("content-type", "text/html; charset=utf-8").header("cache-control", "no-store").header("content-security-policy", DASHBOARD_CSP);
    return page;
  });
  // Browsers ask for it; answering keeps 404s out of the logs and metrics.
  app.get("/favicon.ico", async (_request, reply) => reply.code(204).send());
}
