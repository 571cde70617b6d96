/**
 * POST /v1/ingest and GET /v1/jobs[/:id].
 *
 * The VCF travels as the request body (any content type but JSON; plain, gzip or bgzip —
 * the reader sniffs the bytes). It is streamed to a content-named file under the uploads
 * directory (bounded memory, size limit enforced while streaming), then ingested by a
 * background job; the response is 202 `{jobId}` once the body is on disk. A JSON body
 * `{"path": "/data/x.vcf.gz"}` ingests a server-local file instead, when the service was
 * started with `--ingest-dir` and the file lies below one of those directories.
 */
import { lstat, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "../_errors.js";
import { jsonBodyParser } from "../_json-body.js";
import type { ServerContext } from "../context.js";
import type { IngestJob, JobSource } from "../jobs.js";
import { LIMITS, ingestSchema, jobSchema } from "../schemas.js";
import { receiveUpload, removeUpload, type Upload } from "../upload.js";

interface IngestQuery {
  name?: string;
  onInvalid?: "error" | "skip";
}

/** Registers the ingest and job routes (in their own scope: the ingest route takes raw bodies). */
export function registerIngestRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.register(async (scope) => {
    // Only JSON is parsed (1 MiB, like every JSON route); any other body reaches the handler
    // as a stream, whose size receiveUpload() limits while writing it.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("application/json", { parseAs: "string" }, jsonBodyParser(scope));
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

    scope.post("/v1/ingest", { schema: ingestSchema, bodyLimit: LIMITS.jsonBodyBytes }, async (request, reply) => {
      const query = request.query as IngestQuery;
      const reservation = ctx.jobs.reserve();
      if (reservation === null) {
        // Read nothing: the client should not upload gigabytes to be refused afterwards.
        reply.header("connection", "close");
        throw new HttpError(429, "an ingest job is already uploading or running (one at a time); retry when GET /v1/jobs shows it finished", {
          "retry-after": "10",
        });
      }
      try {
        let input: string;
        let source: JobSource;
        let onInvalid = query.onInvalid;
        let cleanup: ((job: IngestJob) => Promise<void>) | undefined;
        if (isJson(request)) {
          const body = request.body as { path: string; onInvalid?: "error" | "skip" };
          input = await allowedPath(body.path, ctx.ingestDirs, ctx.ingestDirAliases);
          source = { kind: "path", path: input };
          onInvalid = body.onInvalid ?? onInvalid;
        } else {
          const upload = await receive(request, ctx, query.name ?? "upload.vcf");
          input = upload.path;
          source = { kind: "upload", name: basename(upload.path), bytes: upload.bytes, sha256: upload.sha256, reused: upload.reused };
          // Kept after an interruption so that re-sending the same body resumes; removed otherwise.
          cleanup = async (job) => {
            if (job.state !== "interrupted") await removeUpload(upload);
          };
        }
        const job = ctx.jobs.start(reservation, input, source, { ...(onInvalid === undefined ? {} : { onInvalid }), ...(cleanup ? { cleanup } : {}) });
        return reply.code(202).header("location", `/v1/jobs/${job.id}`).send({ jobId: job.id, state: job.state, source });
      } catch (err) {
        reservation.release();
        throw err;
      }
    });
  });

  app.get("/v1/jobs", async () => ({ jobs: ctx.jobs.list().map(view) }));

  app.get("/v1/jobs/:id", { schema: jobSchema }, async (request) => {
    const { id } = request.params as { id: string };
    const job = ctx.jobs.get(id);
    if (job === undefined) throw new HttpError(404, `params/id: no ingest job ${JSON.stringify(id)} (jobs are kept in memory until the service restarts)`);
    return view(job);
  });
}

/** A job for the API: the summary without its per-message lists' bulk beyond 20 lines. */
function view(job: IngestJob): IngestJob {
  if (job.summary === null) return job;
  const s = job.summary;
  return { ...job, summary: { ...s, invalidMessages: s.invalidMessages.slice(0, 20), warningMessages: s.warningMessages.slice(0, 20) } };
}

function isJson(request: FastifyRequest): boolean {
  return /^application\/json\b/i.test(request.headers["content-type"] ?? "");
}

async function receive(request: FastifyRequest, ctx: ServerContext, name: string): Promise<Upload> {
  const body = request.body as Readable | undefined;
  if (body === undefined || body === null || typeof (body as Readable).pipe !== "function") {
    throw new HttpError(400, "body is empty: send the VCF file (plain, gzip or bgzip) as the request body, or JSON {\"path\": …}");
  }
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > ctx.maxIngestBytes) {
    request.raw.resume(); // let the 413 be read instead of a reset
    throw new HttpError(413, `request body of ${declared} bytes exceeds the ingest limit of ${ctx.maxIngestBytes} bytes (serve --max-ingest-bytes)`);
  }
  ctx.uploads.add(request.raw);
  try {
    return await receiveUpload(body, ctx.uploadDir, name, ctx.maxIngestBytes);
  } finally {
    ctx.uploads.delete(request.raw);
  }
}

/**
 * The real path of `path` when it lies inside an allowed directory. Containment is decided
 * before existence, so a path outside every allowed folder gets the same 403 whatever exists
 * there (no oracle for the server's file system): a relative path is resolved against each
 * allowed folder (never the working directory), traversal and symlinks out are refused, and
 * "does not exist" is said only of a path whose existing part is inside an allowed folder.
 */
async function allowedPath(path: string, dirs: readonly string[], aliases: readonly string[]): Promise<string> {
  if (dirs.length === 0) throw new HttpError(403, "body/path: ingest of server-local files is off; start the service with --ingest-dir DIR");
  const spelled = [...new Set([...dirs, ...aliases])];
  const candidates = isAbsolute(path) ? [resolve(path)] : dirs.map((d) => resolve(d, path));
  let missingInside = false;
  for (const candidate of candidates) {
    if (!insideAny(candidate, spelled)) continue;
    const real = await realpath(candidate).catch(() => null);
    if (real !== null) {
      if (insideAny(real, dirs)) return real;
      continue;
    }
    if (await missingBelow(candidate, dirs)) missingInside = true;
  }
  if (missingInside) throw new HttpError(400, `body/path: ${JSON.stringify(path)} does not exist in an --ingest-dir (${dirs.join(", ")})`);
  throw new HttpError(403, `body/path: ${JSON.stringify(path)} is not inside an --ingest-dir (${dirs.join(", ")})`);
}

/** True when `p` is one of `dirs` or below one (all absolute and normalized). */
function insideAny(p: string, dirs: readonly string[]): boolean {
  return dirs.some((d) => p === d || p.startsWith(d.endsWith(sep) ? d : d + sep));
}

/**
 * For a path that does not resolve: true when its deepest existing entry resolves inside an
 * allowed folder (so the file is simply absent there). A dangling or unreadable link on the
 * way counts as outside: what it points at is not the caller's to learn.
 */
async function missingBelow(candidate: string, dirs: readonly string[]): Promise<boolean> {
  let p = candidate;
  for (;;) {
    const exists = await lstat(p).then(
      () => true,
      () => false,
    );
    if (exists) {
      const real = await realpath(p).catch(() => null);
      return real !== null && insideAny(real, dirs);
    }
    const up = dirname(p);
    if (up === p) return false;
    p = up;
  }
}
