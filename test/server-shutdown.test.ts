import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as lancedb from "@lancedb/lancedb";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist", "cli", "main.js");
const gen = path.resolve(root, "../shared/tools/gen_vcf.py");
const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-shutdown-"));
const children: ChildProcess[] = [];

interface Running {
  child: ChildProcess;
  base: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `vcf-agent serve` on a free port and waits for its "listening" line. */
async function serve(db: string, configFile: string): Promise<Running> {
  const child = spawn(process.execPath, [cli, "serve", "--db", db, "--port", "0", "--config", configFile, "--log-level", "warn"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, VCF_AGENT_API_KEY: "" },
  });
  children.push(child);
  let err = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve(m[1] as string);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { child, base, stderr: () => err, exited };
}

async function job(base: string, id: string): Promise<Record<string, any>> {
  return (await (await fetch(`${base}/v1/jobs/${id}`)).json()) as Record<string, any>;
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

describe("graceful shutdown of vcf-agent serve", () => {
  it("SIGTERM mid-ingest commits and checkpoints; re-sending the file after a restart resumes and leaves exactly the file's variant set", async () => {
    const vcf = path.join(tmp, "g50k.vcf");
    writeFileSync(vcf, execFileSync("python3", [gen, "--n", "50000", "--seed", "9"], { maxBuffer: 1 << 26 }));
    const body = readFileSync(vcf);
    const configFile = path.join(tmp, "config.yaml");
    // A 128-d PCA keeps the fit short; the resumed run must project with the model the first run saved.
    writeFileSync(configFile, "memoryOptimization:\n  targetDimensions: 128\n");
    const db = path.join(tmp, "db");

    const first = await serve(db, configFile);
    const post = await fetch(`${first.base}/v1/ingest?name=g50k.vcf`, { method: "POST", body, headers: { "content-type": "text/x-vcf" } });
    expect(post.status).toBe(202);
    const { jobId, source } = (await post.json()) as { jobId: string; source: { reused: boolean } };
    expect(source.reused).toBe(false);
    let state: Record<string, any> = {};
    for (let i = 0; i < 600; i++) {
      state = await job(first.base, jobId);
      if (state.state !== "running" && state.state !== "queued") break;
      if ((state.progress?.variantsWritten ?? 0) > 4000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(state.state).toBe("running"); // still going: the signal arrives mid-way
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain("SIGTERM: stopping");
    expect(first.stderr()).toContain("vcf-agent: stopped");

    const second = await serve(db, configFile);
    const again = await fetch(`${second.base}/v1/ingest?name=g50k.vcf`, { method: "POST", body, headers: { "content-type": "text/x-vcf" } });
    expect(again.status).toBe(202);
    const resumed = (await again.json()) as { jobId: string; source: { reused: boolean } };
    // The upload kept after the interruption is found by its content: same file, same checkpoint.
    expect(resumed.source.reused).toBe(true);
    let done: Record<string, any> = {};
    for (let i = 0; i < 1200; i++) {
      done = await job(second.base, resumed.jobId);
      if (done.state !== "running" && done.state !== "queued") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(done.error).toBeNull();
    expect(done.state).toBe("done");
    expect(done.summary.resumedFrom).toBeGreaterThan(0);
    expect(done.summary.resumedFrom).toBeLessThan(done.summary.variantsRead);
    expect(done.summary.dims).toBe(128);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    // The table holds exactly the file's variants: each id once, none missing, none extra.
    const described = execFileSync(process.execPath, [cli, "describe", vcf], { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "ignore"] });
    const expected = new Set(described.trim().split("\n").map((l) => (JSON.parse(l) as { variantId: string }).variantId));
    const conn = await lancedb.connect(db);
    const table = await conn.openTable("variants");
    const rows = (await table.query().select(["variant_id"]).toArray()) as { variant_id: string }[];
    conn.close();
    const stored = rows.map((r) => r.variant_id);
    expect(stored.length).toBe(new Set(stored).size);
    expect(stored.length).toBe(expected.size);
    expect(new Set(stored)).toEqual(expected);
  }, 120_000);
});
