/**
 * `POST /v1/ingest {"path"}` answers every path outside the allowed folders with the same
 * 403 whatever exists there, so an authenticated caller cannot probe the server's file
 * system; existence is reported only inside an allowed folder.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionConfig } from "../src/config.js";
import { buildServer, type VcfAgentServer } from "../src/server/app.js";

const JSON_HEADERS = { "content-type": "application/json" };
const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-ingest-paths-"));
const allowed = path.join(tmp, "srv", "allowed");
const secret = path.join(tmp, "srv", "secret");
const VCF = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n17\t43045712\t.\tG\tA\t.\tPASS\t.\n";

let server: VcfAgentServer;

async function post(p: string): Promise<{ status: number; message: string; jobId?: string }> {
  const r = await server.app.inject({ method: "POST", url: "/v1/ingest", headers: JSON_HEADERS, payload: { path: p } });
  const body = r.json() as { message?: string; jobId?: string };
  return { status: r.statusCode, message: body.message ?? "", ...(body.jobId === undefined ? {} : { jobId: body.jobId }) };
}

async function waitForJob(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const job = (await server.app.inject({ method: "GET", url: `/v1/jobs/${id}` })).json() as Record<string, unknown>;
    if (job.state !== "queued" && job.state !== "running") return job;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

beforeAll(async () => {
  mkdirSync(allowed, { recursive: true });
  mkdirSync(secret, { recursive: true });
  writeFileSync(path.join(allowed, "local.vcf"), VCF);
  writeFileSync(path.join(secret, "x.vcf"), VCF);
  symlinkSync(path.join(secret, "x.vcf"), path.join(allowed, "out-existing.vcf"));
  symlinkSync(path.join(secret, "absent.vcf"), path.join(allowed, "out-missing.vcf"));
  symlinkSync(secret, path.join(allowed, "secret-dir"));
  symlinkSync(path.join(allowed, "local.vcf"), path.join(allowed, "in.vcf"));
  // The service's working directory holds a file of the relative name: it must not be read.
  process.chdir(tmp);
  server = await buildServer({
    config: new SessionConfig({ memoryOptimization: { optimizationLevel: "basic" }, store: { uri: path.join(tmp, "db") } }),
    logLevel: false,
    ingestDirs: [allowed],
  });
});

afterAll(async () => {
  await server?.close();
});

describe("path ingest containment", () => {
  it("answers paths outside the allowed folder with one 403 and one message, whether they exist or not", async () => {
    const existing = await post("/etc/passwd");
    const absent = await post("/etc/nonexistent-file");
    const relative = await post("../secret/x.vcf"); // exists, relative to the allowed folder
    const relativeAbsent = await post("../secret/absent.vcf");
    const traversal = await post(path.join(allowed, "..", "secret", "x.vcf"));
    for (const r of [existing, absent, relative, relativeAbsent, traversal]) {
      expect(r.status).toBe(403);
      expect(r.message).toMatch(/^body\/path: ".*" is not inside an --ingest-dir \(/);
    }
    const strip = (m: string) => m.replace(/^body\/path: ".*?" /, "");
    expect(new Set([existing, absent, relative, relativeAbsent, traversal].map((r) => strip(r.message))).size).toBe(1);
  });

  it("refuses symlinks inside the folder that point out of it, whether their target exists or not", async () => {
    for (const p of ["out-existing.vcf", "out-missing.vcf", "secret-dir/x.vcf", "secret-dir/absent.vcf"]) {
      const r = await post(path.join(allowed, p));
      expect(r.status, p).toBe(403);
      expect(r.message, p).toContain("is not inside an --ingest-dir");
    }
  });

  it("says 'does not exist' only for a path inside the allowed folder", async () => {
    for (const p of [path.join(allowed, "nope.vcf"), "nope.vcf", path.join(allowed, "sub", "nope.vcf")]) {
      const r = await post(p);
      expect(r.status, p).toBe(400);
      expect(r.message, p).toMatch(/^body\/path: ".*" does not exist in an --ingest-dir/);
    }
  });

  it("resolves a relative path against the allowed folder, and follows a symlink to a file inside it", async () => {
    writeFileSync(path.join(tmp, "local.vcf"), "not a VCF: the working directory must not be read\n");
    for (const p of ["local.vcf", path.join(allowed, "in.vcf")]) {
      const r = await post(p);
      expect(r.status, p).toBe(202);
      const job = await waitForJob(r.jobId as string);
      expect(job.state, p).toBe("done");
      expect(job.source).toEqual({ kind: "path", path: path.join(allowed, "local.vcf") });
    }
  });
});
