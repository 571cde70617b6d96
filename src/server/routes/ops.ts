/** GET /health, /metrics, /v1/stats and the dashboard page at /. */
import type { FastifyInstance } from "fastify";
import { effectiveReductionPercent } from "../../metrics/prometheus.js";
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
      searchTier: ctx.table.tierStatus(),
      // What the table's vectors save, also for a service that has only projected queries.
      reduction: {
        dimensions: optimization.embeddingDimensions,
        originalDimensions: optimization.dimensionReductionStats.originalDimensions,
        memoryReductionPercent: effectiveReductionPercent(optimization),
        varianceRetained: optimization.dimensionReductionStats.varianceRetained,
      },
      // Look-ups of every service since start: searches and ingest jobs (the metric's value).
      cache: ctx.metrics.cacheSummary(),
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
