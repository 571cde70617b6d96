// Faults under a full-size ingest (the crash-safety file, standard level): the disk fills
// up, the db turns read-only, the embedding server starts failing — each mid-file — then
// the fault is removed and the ingest rerun. Storage faults need a private mount namespace:
// bench/crash-safety.mjs re-runs itself under `unshare -m` (or `-Urm`) for this mode.
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, countRows, readCheckpoint, sleep, startCli } from "./_common.mjs";
import { checkPrefix, verifyExact } from "./verify.mjs";

/** Ingest until it ends by itself; the first stderr line, the time, the rows and the prefix check. */
async function failingRun(args, db, fileIds, during) {
  const t0 = Date.now();
  const run = startCli(args);
  await during?.(run);
  const r = await run.done;
  const rows = (await countRows(db)).rows;
  const prefix = await checkPrefix(db, fileIds);
  const cp = readCheckpoint(db);
  return {
    exit: r.code,
    error: r.stderr.trim().split("\n").filter((l) => l.startsWith("vcf-agent:")).join(" / ") || r.stderr.trim().slice(-300),
    seconds: (Date.now() - t0) / 1000,
    rows,
    prefixOk: prefix.ok,
    checkpoint: cp === null ? null : { committed: cp.variantsCommitted, tableRows: cp.tableRows },
  };
}

async function completingRun(args) {
  const t0 = Date.now();
  const r = await startCli([...args, "--format", "json"]).done;
  const summary = r.code === 0 ? JSON.parse(r.stdout) : null;
  return { exit: r.code, seconds: (Date.now() - t0) / 1000, resumedFrom: summary?.resumedFrom ?? null, error: r.code === 0 ? null : r.stderr.trim() };
}

/** Waits until `fraction` of the file is committed (checkpoint), or the run ends. */
async function untilCommitted(run, db, target) {
  while (run.child.exitCode === null && (readCheckpoint(db)?.variantsCommitted ?? 0) < target) await sleep(50);
}

/** Disk full: the db on a tmpfs of `sizeMb`, grown to `bigMb` before the rerun. */
export async function diskFull({ file, fileIds, work, sizeMb, bigMb }) {
  const mnt = join(work, "tmpfs");
  mkdirSync(mnt, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m`, "tmpfs", mnt]);
  const db = join(mnt, "db");
  const args = ["ingest", file, "--db", db, "--quiet"];
  const failed = await failingRun(args, db, fileIds);
  execFileSync("mount", ["-o", `remount,size=${bigMb}m`, mnt]);
  const rerun = await completingRun(args);
  const checks = await verifyExact(db, fileIds);
  execFileSync("umount", [mnt]);
  return { scenario: `disk full (tmpfs of ${sizeMb} MiB, grown to ${bigMb} MiB for the rerun)`, failed, rerun, checks };
}

/** Read-only: the db bind-mounted read-only over itself once `fraction` of the file is committed. */
export async function readOnly({ file, fileIds, work, fraction }) {
  const db = join(work, "ro-db");
  const args = ["ingest", file, "--db", db, "--quiet"];
  const failed = await failingRun(args, db, fileIds, async (run) => {
    await untilCommitted(run, db, Math.floor(fraction * fileIds.length));
    execFileSync("mount", ["--bind", db, db]);
    await remountReadOnly(db);
  });
  execFileSync("umount", [db]);
  const rerun = await completingRun(args);
  return { scenario: `db remounted read-only at ${Math.round(100 * fraction)}% committed`, failed, rerun, checks: await verifyExact(db, fileIds) };
}

/**
 * `mount -o remount,ro,bind DIR`, retried: the kernel refuses (EBUSY) while a file opened for
 * writing through the new bind mount is still open, which an ingest does for milliseconds at a time.
 */
export async function remountReadOnly(dir) {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync("mount", ["-o", "remount,ro,bind", dir], { stdio: ["ignore", "ignore", "pipe"] });
      return;
    } catch (e) {
      if (attempt >= 200) throw e;
      await sleep(5);
    }
  }
}

/**
 * An OpenAI-compatible server that embeds with the local embedder (real vectors over HTTP)
 * and, while `state.failing`, answers every request with `state.fault`.
 */
async function embeddingServer(state) {
  const { LocalEmbeddingProvider } = await import(join(cli, "..", "..", "index.js"));
  const local = new LocalEmbeddingProvider();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      state.requests++;
      if (state.failing && state.fault === "500") {
        res.writeHead(500, { "content-type": "application/json", "retry-after-ms": "10" });
        return res.end(JSON.stringify({ error: { message: "backend overloaded" } }));
      }
      if (state.failing && state.fault === "hang") return; // never answers
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8")).input;
      const vectors = await local.embedDocuments(input);
      const data = vectors.map((v, index) => ({ object: "embedding", index, embedding: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") }));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", model: "vcf-hash-over-http", data, usage: { prompt_tokens: 0, total_tokens: 0 } }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) };
}

/** Provider fault: the embedding server starts failing once `fraction` of the file is committed. */
export async function providerFault({ file, fileIds, work, fraction, fault }) {
  const state = { failing: false, fault, requests: 0 };
  const server = await embeddingServer(state);
  const db = join(work, `provider-${fault}-db`);
  const config = join(work, "provider.yaml");
  writeFileSync(config, "embedding:\n  dimensions: 1536\n  maxRetries: 3\n  timeoutMs: 2000\n");
  const args = ["ingest", file, "--db", db, "--provider", "openai", "--base-url", `${server.origin}/v1`, "--model", "vcf-hash-over-http", "--config", config, "--quiet"];
  try {
    const failed = await failingRun(args, db, fileIds, async (run) => {
      await untilCommitted(run, db, Math.floor(fraction * fileIds.length));
      state.failing = true;
    });
    failed.requests = state.requests;
    state.failing = false;
    const rerun = await completingRun(args);
    const checks = await verifyExact(db, fileIds, { providerId: "openai:vcf-hash-over-http:1536" });
    const what = fault === "500" ? "HTTP 500 on every request" : "no answer (hang)";
    return { scenario: `embedding server: ${what} from ${Math.round(100 * fraction)}% committed (maxRetries 3, timeoutMs 2000)`, failed, rerun, checks };
  } finally {
    await server.close();
  }
}
