/**
 * The HTTP service (fastify): search, embed, stats, ingest jobs, Prometheus metrics and
 * a live dashboard over one variant table. Binds 127.0.0.1 unless told otherwise; with
 * an API key every route but /health and the (data-free) dashboard page needs
 * `Authorization: Bearer <key>`. Logs carry method, path, status and duration only —
 * never bodies or query strings, so sample names and genotypes never reach them.
 */
import { mkdir, realpath } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Fastify, { LogController, type FastifyInstance, type FastifyError } from "fastify";
import type { SessionConfig } from "../config.js";
import type { EmbeddingProvider } from "../providers/provider.js";
import { createProvider } from "../providers/create.js";
import { VcfAgentError } from "../errors.js";
import { VcfAgentMetrics } from "../metrics/prometheus.js";
import { localPath } from "../store/index.js";
import { HttpError, formatSchemaErrors, statusOf } from "./_errors.js";
import { jsonBodyParser } from "./_json-body.js";
import { bearerChecker } from "./auth.js";
import type { ServerContext } from "./context.js";
import { IngestJobs } from "./jobs.js";
import { registerIngestRoutes } from "./routes/ingest.js";
import { registerMcpRoute } from "./routes/mcp.js";
import { registerOpsRoutes } from "./routes/ops.js";
import { registerQueryRoutes } from "./routes/query.js";
import { LIMITS } from "./schemas.js";
import { TableHandle } from "../pipeline/table-handle.js";
import { removePartialUploads } from "./upload.js";

/** Options of {@link buildServer}. */
export interface ServerOptions {
  readonly config: SessionConfig;
  /** Bearer key every route but /health and / requires; unset or empty: no auth. */
  readonly apiKey?: string;
  /** Largest ingest body, bytes (default 2 GiB). */
  readonly maxIngestBytes?: number;
  /** Directories `{"path"}` ingest may read below (default none: path ingest off). */
  readonly ingestDirs?: readonly string[];
  /** Where uploads are written (default `<db>/uploads`, or the OS temp dir for object stores). */
  readonly uploadDir?: string;
  /** Provider override (tests); default from the config. */
  readonly provider?: EmbeddingProvider;
  /** Metrics to export (default: a new registry). */
  readonly metrics?: VcfAgentMetrics;
  /** Log level (pino), or false for no logs; default `info`. */
  readonly logLevel?: string | false;
  /** Searches run at once, the rest queue in arrival order; default 2 × CPU cores. */
  readonly searchConcurrency?: number;
  /**
   * Keep the in-memory search tier of the table (~190 bytes a row in memory, the vectors and
   * records in a temporary directory on local disk) and answer searches from it once built;
   * default false here, on in `vcf-agent serve`.
   */
  readonly searchTier?: boolean;
  /** Where log lines go (JSON, one per line); default standard output. */
  readonly logStream?: NodeJS.WritableStream;
}

/** A built service: the fastify app plus what shutdown must stop. */
export interface VcfAgentServer {
  readonly app: FastifyInstance;
  readonly metrics: VcfAgentMetrics;
  readonly jobs: IngestJobs;
  /**
   * Graceful stop: refuses new requests, cuts uploads in progress, aborts the running
   * ingest job and waits for it to commit its batch and checkpoint, then closes.
   */
  close(): Promise<void>;
}

const pathOf = (url: string): string => {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
};

/**
 * Builds the service (not listening yet: call `app.listen` or use `app.inject`).
 * @example
 * const server = await buildServer({ config: await resolveSessionConfig({ env: process.env }) });
 * await server.app.listen({ host: "127.0.0.1", port: 8080 });
 * process.once("SIGTERM", () => void server.close());
 */
export async function buildServer(options: ServerOptions): Promise<VcfAgentServer> {
  const { config } = options;
  const provider = options.provider ?? createProvider(config.embedding, config.memoryOptimization);
  const metrics = options.metrics ?? new VcfAgentMetrics();
  const ownsMetrics = options.metrics === undefined;
  const dbDir = localPath(config.store.uri);
  // The table is opened read-only; make sure the directory exists so that works before the first ingest.
  if (dbDir !== null) await mkdir(dbDir, { recursive: true });
  const uploadDir = options.uploadDir ?? (dbDir === null ? join(tmpdir(), "vcf-agent-uploads") : join(dbDir, "uploads"));
  await mkdir(uploadDir, { recursive: true });
  await removePartialUploads(uploadDir);
  const ingestDirs = await Promise.all(
    (options.ingestDirs ?? []).map((d) =>
      realpath(d).catch(() => {
        throw new VcfAgentError(`option --ingest-dir: ${d} does not exist`, "USAGE");
      }),
    ),
  );

  const logLevel = options.logLevel ?? "info";
  const app = Fastify({
    logger:
      logLevel === false
        ? false
        : {
            level: logLevel,
            ...(options.logStream === undefined ? {} : { stream: options.logStream }),
            serializers: {
              req: (req: { method?: string; url?: string }) => ({ method: req.method, url: pathOf(req.url ?? "") }),
              res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
            },
          },
    // One line per request from the onResponse hook below, with nothing from the body or query.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: LIMITS.jsonBodyBytes,
    schemaErrorFormatter: formatSchemaErrors,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    forceCloseConnections: "idle",
  });
  // fastify's JSON parser, except that a refused prototype key is named rather than called invalid JSON.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, jsonBodyParser(app));

  const table = new TableHandle(config, provider, metrics, { searchTier: options.searchTier ?? false });
  metrics.watchTier(() => table.tierStatus());
  const jobs = new IngestJobs({
    config,
    provider,
    metrics,
    onFinished: () => table.invalidate(),
    log: (message) => app.log.info(message),
  });
  const ctx: ServerContext = {
    config,
    table,
    jobs,
    metrics,
    maxIngestBytes: options.maxIngestBytes ?? LIMITS.ingestBodyBytes,
    uploadDir,
    ingestDirs,
    ingestDirAliases: (options.ingestDirs ?? []).map((d) => resolve(d)),
    uploads: new Set<IncomingMessage>(),
    startedAt: Date.now(),
    searchConcurrency: options.searchConcurrency ?? 2 * availableParallelism(),
  };

  const apiKey = options.apiKey ?? "";
  if (apiKey !== "") {
    const authorized = bearerChecker(apiKey);
    app.addHook("onRequest", async (request, reply) => {
      const route = request.routeOptions.url;
      if (route === "/health" || (route === "/" && request.method === "GET") || route === "/favicon.ico") return;
      if (!authorized(request.headers.authorization)) {
        reply.header("www-authenticate", 'Bearer realm="vcf-agent"');
        throw new HttpError(401, "missing or wrong API key: send Authorization: Bearer <key> (the service's VCF_AGENT_API_KEY)");
      }
    });
  }

  app.addHook("onResponse", async (request, reply) => {
    const seconds = reply.elapsedTime / 1000;
    metrics.observeHttp(request.method, request.routeOptions.url ?? "unmatched", reply.statusCode, seconds);
    request.log.info({ method: request.method, url: pathOf(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, "request");
  });

  app.setErrorHandler((error: FastifyError | HttpError | VcfAgentError, request, reply) => {
    let status = 500;
    let message = "internal error (see the service log)";
    if ((error as FastifyError).validation) {
      status = 400;
      message = error.message;
    } else if (error instanceof HttpError) {
      status = error.statusCode;
      message = error.message;
      reply.headers(error.headers);
    } else if (error instanceof VcfAgentError) {
      status = statusOf(error);
      message = error.message;
    } else if (typeof (error as FastifyError).statusCode === "number" && (error as FastifyError).statusCode! < 500) {
      status = (error as FastifyError).statusCode!; // fastify's own: 413 body too large, 415, bad JSON
      message =
        (error as FastifyError).code === "FST_ERR_CTP_BODY_TOO_LARGE"
          ? `body: larger than the ${LIMITS.jsonBodyBytes} bytes a JSON request may have`
          : error.message;
    }
    if (status >= 500) {
      const code = error instanceof VcfAgentError ? error.code : error.name;
      // VCF format errors can quote record content; everything else is safe to log.
      const text = error instanceof VcfAgentError && error.code === "VCF_FORMAT" ? "" : `: ${error.message}`;
      request.log.error({ url: pathOf(request.url), code }, `request failed (${code})${text}`);
    }
    void reply.code(status).send({ statusCode: status, error: reasonOf(status), message });
  });

  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404);
    return { statusCode: 404, error: "Not Found", message: `no route ${request.method} ${pathOf(request.url)}` };
  });

  registerOpsRoutes(app, ctx);
  registerQueryRoutes(app, ctx);
  registerIngestRoutes(app, ctx);
  registerMcpRoute(app, ctx);
  await app.ready();

  let closing: Promise<void> | null = null;
  return {
    app,
    metrics,
    jobs,
    close: () =>
      (closing ??= (async () => {
        for (const req of ctx.uploads) req.destroy(new Error("the service is shutting down"));
        await jobs.shutdown();
        await app.close();
        await table.close();
        if (ownsMetrics) metrics.close();
      })()),
  };
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

function reasonOf(status: number): string {
  return REASONS[status] ?? "Error";
}
