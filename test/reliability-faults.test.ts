// Faults during ingest, end to end with the built CLI (and the service where it matters):
// the disk fills up or the db turns read-only mid-file, the embedding server fails mid-file
// (500 storm past retries, hang past the timeout, wrong width, 401), the PCA model is
// truncated, of another width or another provider's, the table has another width, and a
// stop arrives during PCA training. Each must end in one clear error line naming what
// failed, leave the table a consistent prefix of the file (or untouched), and — once the
// fault is gone — a rerun must complete to exactly the file's variant set.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSessionConfig } from "../src/config.js";
import { LocalEmbeddingProvider } from "../src/providers/local/embedder.js";
import type { EmbeddingProvider } from "../src/providers/provider.js";
import { sampleTrainingVectors } from "../src/pipeline/training.js";
import { CheckpointStore } from "../src/pipeline/checkpoint.js";
import { buildServer } from "../src/server/app.js";
import { cli, describeIds, distinct, generateVcf, readCheckpoints, readTable, root, sorted, tempDir } from "./_pipeline-helpers.js";
import { hang, ollamaResponse, openaiResponse, sendJson, startServer, type FakeServer } from "./providers-fixtures.js";

const dir = tempDir("reliability-faults");
let small: string; // 6,000 records: a few 2,048-row commits
let smallIds: string[];

beforeAll(() => {
  small = generateVcf(dir, 6000, 31);
  smallIds = describeIds(small);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI without blocking this process (the fake servers answer from it). */
function runCliAsync(args: readonly string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, VCF_AGENT_DEBUG: "" } });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
    onStderr?.(stderr, child);
  });
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The table holds the distinct ids of a prefix of `fileIds`, each once; returns the prefix length. */
function expectPrefix(ids: readonly string[], fileIds: readonly string[]): number {
  expect(new Set(ids).size).toBe(ids.length);
  const stored = new Set(ids);
  let m = 0;
  while (m < fileIds.length && stored.has(fileIds[m]!)) m++;
  expect(distinct(fileIds.slice(0, m)).length).toBe(stored.size);
  return m;
}

function expectExactly(ids: readonly string[], fileIds: readonly string[]): void {
  expect(ids.length).toBe(new Set(ids).size);
  expect(sorted(ids)).toEqual(sorted(distinct(fileIds)));
}

/** Committed table versions: a refused ingest must not add one. */
function versions(db: string): number {
  const d = path.join(db, "variants.lance", "_versions");
  return existsSync(d) ? readdirSync(d).filter((n) => n.endsWith(".manifest")).length : 0;
}

// ---------------------------------------------------------------------------------------
// Disk full and read-only db, in a private mount namespace (nothing outlives the test).

/** `unshare` arguments that give a private mount namespace where tmpfs mounts work, or null. */
function mountNamespace(): string[] | null {
  for (const prefix of [["-m"], ["-Urm"]]) {
    const probe = spawnSync("unshare", [...prefix, "sh", "-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d" && rmdir "$d"'], { encoding: "utf8" });
    if (probe.status === 0) return prefix;
  }
  return null;
}
const ns = mountNamespace();
if (ns === null) console.warn("reliability-faults: no private mount namespace here (unshare -m / -Urm refused): storage-fault tests skipped");

interface DriverOut {
  first: Run;
  afterFault: { table: { ids: string[]; dims: number } | null; checkpoint: { variantsCommitted: number; tableRows: number; complete: boolean } | null };
  rerun: Run;
  final: { table: { ids: string[]; dims: number } | null; checkpoint: { variantsCommitted: number; tableRows: number; complete: boolean } | null };
}

function drive(scenario: string, where: string, extra: Record<string, string> = {}): DriverOut {
  mkdirSync(where, { recursive: true });
  const config = path.join(dir, "pca64.yaml");
  // A 64-d PCA keeps files small and the fit short; the table still gets a model and several commits.
  writeFileSync(config, "memoryOptimization:\n  targetDimensions: 64\n");
  const driver = path.join(root, "test", "_fs-faults-driver.mjs");
  const r = spawnSync("unshare", [...ns!, process.execPath, driver, JSON.stringify({ scenario, cli, file: small, config, dir: where, ...extra })], {
    encoding: "utf8",
    cwd: root,
    timeout: 300_000,
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`driver ${scenario} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as DriverOut;
}

describe.skipIf(ns === null)("storage faults mid-ingest", () => {
  it("disk full: exit 3 naming the db and ENOSPC, a committed prefix stays, and after space is freed a rerun completes exactly", () => {
    const where = path.join(dir, "tmpfs");
    // 6,000 records at 64-d need ~3.5 MB with the model: 2 MB runs out after a commit or two.
    const out = drive("disk-full", where, { small: "2m", big: "64m" });
    const db = path.join(where, "db");
    expect(out.first.code, out.first.stderr).toBe(3);
    const lines = out.first.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^vcf-agent: .*${escape(db)}.*(No space left on device|ENOSPC)`));
    // Mid-file: something was committed, and it is a prefix of the file; the checkpoint never leads the table.
    const t = out.afterFault.table!;
    expect(t.ids.length).toBeGreaterThan(0);
    expect(t.ids.length).toBeLessThan(distinct(smallIds).length);
    const m = expectPrefix(t.ids, smallIds);
    expect(out.afterFault.checkpoint!.complete).toBe(false);
    expect(out.afterFault.checkpoint!.variantsCommitted).toBeLessThanOrEqual(m);
    expect(out.rerun.code, out.rerun.stderr).toBe(0);
    expect(JSON.parse(out.rerun.stdout).resumedFrom).toBe(out.afterFault.checkpoint!.variantsCommitted);
    expect(out.final.table!.dims).toBe(64);
    expectExactly(out.final.table!.ids, smallIds);
    expect(out.final.checkpoint).toMatchObject({ complete: true, variantsCommitted: smallIds.length });
  }, 300_000);

  // Regression: a short write once published a truncated model, and the failed create left a
  // table directory without a committed version that every later run refused.
  it("disk full before the first commit: a clear error, and after space is freed a rerun completes exactly", () => {
    const where = path.join(dir, "tmpfs-first");
    // The 64-d model alone needs ~400 kB: 300 kB runs out while saving it or creating the table.
    const out = drive("disk-full", where, { small: "300k", big: "64m" });
    expect(out.first.code, out.first.stderr).toBe(3);
    expect(out.first.stderr.trim()).toMatch(/^vcf-agent: .*(No space left on device|ENOSPC)/);
    expect(out.afterFault.table).toBeNull();
    expect(out.rerun.code, out.rerun.stderr).toBe(0);
    expectExactly(out.final.table!.ids, smallIds);
  }, 300_000);

  it("db made read-only after the first commit: exit 3 naming the path and EROFS, the prefix stays, a rerun after remounting completes exactly", () => {
    const where = path.join(dir, "ro");
    const out = drive("read-only", where);
    const db = path.join(where, "db");
    expect(out.first.code, out.first.stderr).toBe(3);
    // One error line names the db and EROFS, and nothing on stderr is a stack trace. Under a
    // loaded machine stderr once held a second line, so other lines (warnings) are allowed.
    const lines = out.first.stderr.trim().split("\n");
    expect(lines.filter((l) => new RegExp(`^vcf-agent: .*${escape(db)}.*(Read-only file system|EROFS)`).test(l)), out.first.stderr).toHaveLength(1);
    expect(lines.filter((l) => /^\s+at /.test(l)), out.first.stderr).toEqual([]);
    const t = out.afterFault.table!;
    expect(t.ids.length).toBeGreaterThan(0);
    expect(t.ids.length).toBeLessThan(distinct(smallIds).length);
    const m = expectPrefix(t.ids, smallIds);
    // A write in flight at the remount may commit and then fail its checkpoint: the checkpoint lags, never leads.
    expect(out.afterFault.checkpoint!.tableRows).toBeLessThanOrEqual(t.ids.length);
    expect(out.afterFault.checkpoint!.variantsCommitted).toBeLessThanOrEqual(m);
    expect(out.rerun.code, out.rerun.stderr).toBe(0);
    expectExactly(out.final.table!.ids, smallIds);
  }, 300_000);
});

// ---------------------------------------------------------------------------------------
// Embedding-server faults mid-file.

type Fault = "none" | "500" | "hang" | "width" | "401";
const DIMS = 32;
/** Texts a run gets embedded before the fault: 2,250 variants is past its first 2,048-row commit (requests carry up to batchSize texts). */
const HEALTHY_TEXTS = 2250;

/** A loopback OpenAI or Ollama server; `state.fault` starts once HEALTHY_TEXTS texts of the run were served (reset `served`). */
function faultyServer(kind: "openai" | "ollama", state: { fault: Fault; served: number }): Promise<FakeServer> {
  return startServer((req, res: ServerResponse) => {
    const input = (req.body?.input ?? []) as string[];
    const fault = state.served < HEALTHY_TEXTS ? "none" : state.fault;
    state.served += input.length;
    // Each API's own error body: OpenAI nests the message, Ollama sends a string.
    const error = (message: string): unknown => (kind === "openai" ? { error: { message } } : { error: message });
    if (fault === "500") return sendJson(res, 500, error("backend overloaded"), { "retry-after-ms": "1" });
    if (fault === "hang") return hang();
    if (fault === "401") return sendJson(res, 401, error("invalid api key"));
    const dims = fault === "width" ? DIMS - 1 : DIMS;
    return sendJson(res, 200, kind === "openai" ? openaiResponse(input, dims) : ollamaResponse(input, dims));
  });
}

describe("provider faults mid-ingest", () => {
  let medium: string; // 10,000 records: room for four faults after a commit each
  let mediumIds: string[];
  beforeAll(() => {
    medium = generateVcf(dir, 10_000, 33);
    mediumIds = describeIds(medium);
  }, 120_000);

  const config = (): string => {
    const f = path.join(dir, "remote.yaml");
    writeFileSync(f, `embedding:\n  dimensions: ${DIMS}\n  maxRetries: 2\n  timeoutMs: 400\n`);
    return f;
  };

  /** One faulty run: exit 3 with `message` alone on stderr, the table still a prefix, the checkpoint behind it. */
  async function expectFault(args: readonly string[], db: string, fileIds: readonly string[], message: RegExp, before: number): Promise<number> {
    const r = await runCliAsync(args);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    const t = await readTable(db, "variants", 5);
    expect(t.dims).toBe(DIMS);
    expect(t.ids.length).toBeGreaterThan(before); // mid-file: the fault came after this run's first commit
    const m = expectPrefix(t.ids, fileIds);
    const cp = readCheckpoints(db)[0]!;
    expect(cp.complete).toBe(false);
    expect(cp.variantsCommitted).toBeLessThanOrEqual(m);
    return t.ids.length;
  }

  it("openai: a 500 storm, a hang past the timeout, the wrong width and a 401, one after another mid-file, each stop with one line naming provider and model; a rerun against a healthy server completes exactly", async () => {
    const state = { fault: "none" as Fault, served: 0 };
    const server = await faultyServer("openai", state);
    const db = path.join(dir, "provider-openai");
    const args = ["ingest", medium, "--db", db, "--provider", "openai", "--base-url", `${server.origin}/v1`, "--model", "test-model", "--level", "basic", "--config", config(), "--quiet"];
    const faults: [Fault, RegExp][] = [
      ["500", /^vcf-agent: openai test-model: HTTP 500: backend overloaded; gave up after 3 attempts \(maxRetries 2\)$/],
      ["hang", /^vcf-agent: openai test-model: timed out after 400 ms; gave up after 3 attempts \(maxRetries 2\)$/],
      ["width", /^vcf-agent: openai test-model: .*input \d+: vector has 31 values, expected 32/],
      ["401", /^vcf-agent: openai test-model: HTTP 401: invalid api key \(check the API key; it is not shown here\) \(not retried\)$/],
    ];
    try {
      let rows = 0;
      for (const [fault, message] of faults) {
        Object.assign(state, { fault, served: 0 });
        rows = await expectFault(args, db, mediumIds, message, rows);
      }
      expect(rows).toBeLessThan(distinct(mediumIds).length);
      const resumeAt = readCheckpoints(db)[0]!.variantsCommitted;
      Object.assign(state, { fault: "none", served: 0 });
      const again = await runCliAsync([...args, "--format", "json"]);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).resumedFrom).toBe(resumeAt);
      expectExactly((await readTable(db, "variants", 1)).ids, mediumIds);
    } finally {
      await server.close();
    }
  }, 300_000);

  it("ollama: a 500 storm past the retries is named the same way, and a rerun completes exactly", async () => {
    const state = { fault: "500" as Fault, served: 0 };
    const server = await faultyServer("ollama", state);
    const db = path.join(dir, "provider-ollama");
    const args = ["ingest", small, "--db", db, "--provider", "ollama", "--base-url", server.origin, "--model", "test-model", "--level", "basic", "--config", config(), "--quiet"];
    try {
      await expectFault(args, db, smallIds, /^vcf-agent: ollama test-model: HTTP 500: backend overloaded; gave up after 3 attempts \(maxRetries 2\)$/, 0);
      state.fault = "none";
      const again = await runCliAsync(args);
      expect(again.code, again.stderr).toBe(0);
      expectExactly((await readTable(db, "variants", 1)).ids, smallIds);
    } finally {
      await server.close();
    }
  }, 180_000);
});

// ---------------------------------------------------------------------------------------
// PCA model and width faults: refused before anything is written.

describe("PCA model and table-width faults", () => {
  let db: string; // a 16-d reduced table of `small` with its model
  let model: string;
  let good: Buffer;
  let other: string;
  const cfg16 = (): string => {
    const f = path.join(dir, "pca16.yaml");
    writeFileSync(f, "memoryOptimization:\n  targetDimensions: 16\n");
    return f;
  };

  beforeAll(async () => {
    db = path.join(dir, "pca-faults");
    const r = await runCliAsync(["ingest", small, "--db", db, "--config", cfg16(), "--quiet"]);
    if (r.code !== 0) throw new Error(r.stderr);
    model = path.join(db, "variants.pca");
    good = readFileSync(model);
    other = generateVcf(dir, 600, 32);
  }, 180_000);

  /** Ingests `other` with `extra` flags and expects exit 3 with `message`, and the table and checkpoints untouched. */
  async function expectRefused(extra: readonly string[], message: string | RegExp): Promise<void> {
    const before = { versions: versions(db), rows: (await readTable(db, "variants", 1)).ids.length, checkpoints: readdirSync(path.join(db, "variants.checkpoints")) };
    const r = await runCliAsync(["ingest", other, "--db", db, "--quiet", ...extra]);
    expect(r.code, r.stderr).toBe(3);
    if (typeof message === "string") expect(r.stderr).toBe(`vcf-agent: ${message}\n`);
    else expect(r.stderr).toMatch(message);
    expect(versions(db)).toBe(before.versions);
    expect((await readTable(db, "variants", 1)).ids.length).toBe(before.rows);
    expect(readdirSync(path.join(db, "variants.checkpoints"))).toEqual(before.checkpoints);
  }

  it("a truncated model file is named, with the bytes expected and found", async () => {
    writeFileSync(model, good.subarray(0, good.length - 1000));
    try {
      await expectRefused([], new RegExp(`^vcf-agent: ${escape(model)}: not a usable PCA model: truncated: expected \\d+ bytes of vectors, found \\d+\\n$`));
      writeFileSync(model, good.subarray(0, 20));
      await expectRefused([], new RegExp(`^vcf-agent: ${escape(model)}: not a usable PCA model: truncated: header needs \\d+ bytes`));
    } finally {
      writeFileSync(model, good);
    }
  }, 120_000);

  it("a model of another width next to the table is refused, naming both widths", async () => {
    const db8 = path.join(dir, "pca8");
    const f = path.join(dir, "pca8.yaml");
    writeFileSync(f, "memoryOptimization:\n  targetDimensions: 8\n");
    const r = await runCliAsync(["ingest", other, "--db", db8, "--config", f, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    copyFileSync(path.join(db8, "variants.pca"), model);
    try {
      await expectRefused([], `table "variants" in ${db} stores 16-d vectors but its PCA model ${model} gives 8-d`);
    } finally {
      writeFileSync(model, good);
    }
  }, 120_000);

  it("another provider's ingest into the table is refused: the model was fitted on the local embedder", async () => {
    const state = { fault: "none" as Fault, served: 0 };
    const server = await faultyServer("openai", state);
    try {
      const f = path.join(dir, "remote-plain.yaml");
      writeFileSync(f, `embedding:\n  dimensions: ${DIMS}\n`);
      await expectRefused(
        ["--provider", "openai", "--base-url", `${server.origin}/v1`, "--model", "test-model", "--config", f],
        `${model}: PCA model was fitted on provider "local:vcf-hash-v1:1536", expected "openai:test-model:${DIMS}"; refit it or use that provider`,
      );
      expect(state.served).toBeLessThanOrEqual(1); // at most the width probe: no embedding work before the refusal
    } finally {
      await server.close();
    }
  }, 120_000);

  it("a table another provider filled at its own width is refused for the local embedder, naming both widths", async () => {
    const state = { fault: "none" as Fault, served: 0 };
    const server = await faultyServer("openai", state);
    const remoteDb = path.join(dir, "remote-width");
    try {
      const f = path.join(dir, "remote-plain.yaml");
      writeFileSync(f, `embedding:\n  dimensions: ${DIMS}\n`);
      const r = await runCliAsync(["ingest", other, "--db", remoteDb, "--provider", "openai", "--base-url", `${server.origin}/v1`, "--model", "test-model", "--level", "basic", "--config", f, "--quiet"]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await server.close();
    }
    const rows = (await readTable(remoteDb, "variants", 1)).ids.length;
    const v = versions(remoteDb);
    const r = await runCliAsync(["ingest", small, "--db", remoteDb, "--quiet"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `vcf-agent: table "variants" in ${remoteDb} stores ${DIMS}-d vectors; provider local:vcf-hash-v1:1536 gives 1536-d and there is no PCA model at ${path.join(remoteDb, "variants.pca")} (one table holds one width: use another --table)\n`,
    );
    expect(versions(remoteDb)).toBe(v);
    expect((await readTable(remoteDb, "variants", 1)).ids.length).toBe(rows);
  }, 120_000);

  it("an ingest job on the service fails with code PCA and the model named, and writes nothing", async () => {
    const bytes = Buffer.from(good);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x01; // one flipped bit in the components
    writeFileSync(model, bytes);
    const config = await resolveSessionConfig({ env: {}, file: cfg16(), overrides: { store: { uri: db } } });
    const server = await buildServer({ config, logLevel: false });
    try {
      const v = versions(db);
      const post = await server.app.inject({ method: "POST", url: "/v1/ingest?name=other.vcf.gz", payload: readFileSync(other), headers: { "content-type": "application/gzip" } });
      expect(post.statusCode).toBe(202);
      const { jobId } = post.json() as { jobId: string };
      let job: { state: string; error: string | null; errorCode: string | null } = { state: "running", error: null, errorCode: null };
      for (let i = 0; i < 600 && (job.state === "running" || job.state === "queued"); i++) {
        await new Promise((r) => setTimeout(r, 50));
        job = (await server.app.inject({ method: "GET", url: `/v1/jobs/${jobId}` })).json();
      }
      expect(job.state).toBe("failed");
      expect(job.errorCode).toBe("PCA");
      expect(job.error).toBe(`${model}: not a usable PCA model: checksum mismatch (corrupt file)`);
      expect(versions(db)).toBe(v);
      // A failed job's upload is removed: nothing of it stays on the server.
      expect(readdirSync(path.join(db, "uploads"))).toEqual([]);
    } finally {
      await server.close();
      writeFileSync(model, good);
    }
  }, 120_000);
});

// ---------------------------------------------------------------------------------------
// A stop during PCA training: nothing is written, nothing is fitted on a partial sample.

describe("a stop during PCA training", () => {
  it("never fits a sample cut short: the sampler throws the abort even when the provider ignores the signal", async () => {
    const provider = new LocalEmbeddingProvider();
    const deaf = { id: provider.id, dimensions: provider.dimensions, embedQuery: (t: string) => provider.embedQuery(t), embedDocuments: (t: readonly string[]) => provider.embedDocuments(t) };
    const controller = new AbortController();
    controller.abort();
    await expect(sampleTrainingVectors(small, { size: 64, provider: deaf, signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
  });

  it("the CLI: SIGINT while the training sample is being embedded exits 130 saying nothing was written; the rerun completes exactly", async () => {
    // The embedding server holds the training requests until the signal: the stop lands in
    // training every time (the fit itself is not interruptible, so timing alone would race it).
    const state = { hold: true };
    const server = await startServer((req, res: ServerResponse) => {
      if (state.hold) return hang();
      return sendJson(res, 200, openaiResponse((req.body?.input ?? []) as string[], DIMS));
    });
    const db = path.join(dir, "sigint-training");
    const config = path.join(dir, "remote-pca8.yaml");
    writeFileSync(config, `embedding:\n  dimensions: ${DIMS}\n  maxRetries: 0\n  timeoutMs: 60000\nmemoryOptimization:\n  targetDimensions: 8\n`);
    const args = ["ingest", small, "--db", db, "--provider", "openai", "--base-url", `${server.origin}/v1`, "--model", "test-model", "--config", config];
    try {
      let child: ReturnType<typeof spawn> | undefined;
      const run = runCliAsync(args, (_text, c) => (child ??= c));
      while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 20));
      child!.kill("SIGINT");
      const r = await run;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain("vcf-agent: interrupted before anything was written; rerun the same command to start again\n");
      expect(r.stderr).not.toContain("internal error");
      expect(existsSync(path.join(db, "variants.pca"))).toBe(false);
      expect(existsSync(path.join(db, "variants.lance"))).toBe(false);
      state.hold = false;
      const again = await runCliAsync([...args, "--quiet"]);
      expect(again.code, again.stderr).toBe(0);
      expect((await readTable(db, "variants", 1)).dims).toBe(8);
      expectExactly((await readTable(db, "variants", 1)).ids, smallIds);
    } finally {
      await server.close();
    }
  }, 180_000);

  it("the service: a shutdown while the job trains marks it interrupted and keeps the upload; re-sending resumes to the exact set", async () => {
    const db = path.join(dir, "serve-training");
    const memoryOptimization = { targetDimensions: 64, trainingSamples: 3072 };
    const config = await resolveSessionConfig({ env: {}, overrides: { store: { uri: db }, memoryOptimization } });
    const body = readFileSync(small);
    // The local embedder, except that the training sample (chunks of 512; ingest batches are 25)
    // waits for the abort: the shutdown lands in training every time.
    const local = new LocalEmbeddingProvider();
    let entered!: () => void;
    const inTraining = new Promise<void>((resolve) => (entered = resolve));
    const gated: EmbeddingProvider = {
      id: local.id,
      dimensions: local.dimensions,
      embedQuery: (text, options) => local.embedQuery(text, options),
      embedDocuments: (texts, options) => {
        if (texts.length <= 100) return local.embedDocuments(texts, options);
        entered();
        return new Promise((_resolve, reject) => {
          const signal = options?.signal;
          if (signal === undefined) return;
          if (signal.aborted) reject(signal.reason);
          else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
      },
    };
    const first = await buildServer({ config, provider: gated, logLevel: false });
    const post = await first.app.inject({ method: "POST", url: "/v1/ingest?name=small.vcf.gz", payload: body, headers: { "content-type": "application/gzip" } });
    expect(post.statusCode).toBe(202);
    const { jobId } = post.json() as { jobId: string };
    await inTraining;
    await first.close(); // what SIGTERM does
    const job = first.jobs.get(jobId)!;
    expect(job.state).toBe("interrupted");
    expect(job.error).toBeNull();
    // Counted as an interruption, not a failure: the failed-jobs alert must not fire on a graceful stop.
    const scrape = await first.metrics.text();
    expect(scrape).toMatch(/^vcf_agent_ingest_jobs_total\{outcome="interrupted"\} 1$/m);
    expect(scrape).not.toMatch(/^vcf_agent_ingest_jobs_total\{outcome="failed"\} [1-9]/m);
    expect(existsSync(path.join(db, "variants.pca"))).toBe(false);
    expect(existsSync(path.join(db, "variants.lance"))).toBe(false);

    const second = await buildServer({ config, logLevel: false });
    try {
      const again = await second.app.inject({ method: "POST", url: "/v1/ingest?name=small.vcf.gz", payload: body, headers: { "content-type": "application/gzip" } });
      expect(again.statusCode).toBe(202);
      const resumed = again.json() as { jobId: string; source: { reused: boolean } };
      expect(resumed.source.reused).toBe(true);
      let done = second.jobs.get(resumed.jobId)!;
      for (let i = 0; i < 6000 && (done.state === "running" || done.state === "queued"); i++) {
        await new Promise((r) => setTimeout(r, 20));
        done = second.jobs.get(resumed.jobId)!;
      }
      expect(done.error).toBeNull();
      expect(done.state).toBe("done");
    } finally {
      await second.close();
    }
    expectExactly((await readTable(db, "variants", 1)).ids, smallIds);
  }, 180_000);
});

// ---------------------------------------------------------------------------------------

describe("a kill during the write that creates the table", () => {
  // Regression: the killed create left `variants.lance/` without a committed version, and
  // every later run failed with "Table 'variants' exists but could not be loaded".
  it("leaves no committed version, and the rerun completes exactly", async () => {
    const db = path.join(dir, "kill-create");
    const config = path.join(dir, "pca64.yaml");
    writeFileSync(config, "memoryOptimization:\n  targetDimensions: 64\n");
    const child = spawn(process.execPath, [cli, "ingest", small, "--db", db, "--config", config, "--quiet"], { stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)));
    // The table directory appears when its first write starts; the commit comes only after the data files.
    while (child.exitCode === null && !existsSync(path.join(db, "variants.lance"))) await new Promise((r) => setTimeout(r, 1));
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(versions(db)).toBe(0);
    const again = await runCliAsync(["ingest", small, "--db", db, "--config", config, "--quiet"]);
    expect(again.code, again.stderr).toBe(0);
    expectExactly((await readTable(db, "variants", 1)).ids, smallIds);
  }, 180_000);
});

// ---------------------------------------------------------------------------------------

describe("checkpoint write failures", () => {
  it("name the checkpoint file and are a STORE error", async () => {
    const blocked = path.join(dir, "blocked-db");
    mkdirSync(blocked, { recursive: true });
    writeFileSync(path.join(blocked, "variants.checkpoints"), "a file where the checkpoint directory belongs\n");
    const store = new CheckpointStore(blocked, "variants");
    const id = { source: small, region: null, size: statSync(small).size, mtimeMs: 1 };
    const err = await store.save(id, { variantsCommitted: 1, complete: false, tableRows: 1, exclusive: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "VcfAgentError", code: "STORE" });
    expect((err as Error).message).toMatch(new RegExp(`^cannot write ingest checkpoint ${escape(path.join(blocked, "variants.checkpoints"))}/[0-9a-f]{24}\\.json: `));
  });
});
