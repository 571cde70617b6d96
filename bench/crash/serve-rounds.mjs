// SIGTERM `vcf-agent serve` while it runs an ingest job (POST /v1/ingest), at seeded-random
// moments; restart it and send the same bytes again, as docs/server.md says: the kept
// upload is found by its content and the job resumes after the committed prefix.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { spawn } from "node:child_process";
import { cli, countRows, readCheckpoint, sleep } from "./_common.mjs";
import { checkPrefix } from "./verify.mjs";

/** Starts `vcf-agent serve --db DB --port 0` and resolves once it listens. */
async function startServe(db, args) {
  const child = spawn(process.execPath, [cli, "serve", "--db", db, "--port", "0", "--log-level", "warn", ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, VCF_AGENT_API_KEY: "" },
  });
  let stderr = "";
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const base = await new Promise((resolve, reject) => {
    child.stderr.on("data", (c) => {
      stderr += c;
      const m = /listening on (http:\/\/[^\s]+?)[\s(]/.exec(stderr);
      if (m) resolve(m[1]);
    });
    void exited.then(({ code }) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, base, exited, stderr: () => stderr };
}

async function getJob(base, id) {
  return (await fetch(`${base}/v1/jobs/${id}`)).json();
}

/** The stop moments: one during PCA training, the rest at stratified fractions of the file. */
export function planRounds(rounds, random) {
  const plan = [{ kind: "training", delayMs: 300 + random() * 2000 }];
  for (let i = 1; i < rounds; i++) plan.push({ kind: "write", fraction: 0.05 + ((i - 1 + random()) / Math.max(1, rounds - 1)) * 0.85 });
  return plan.slice(0, rounds);
}

/**
 * Runs one serve process per planned stop (SIGTERM), then one whose job completes.
 * @returns per-round records, failures, and the final job.
 */
export async function runServeRounds({ file, fileIds, db, plan, args = [], log = () => {} }) {
  const body = readFileSync(file);
  const name = basename(file);
  const total = fileIds.length;
  const rounds = [];
  const failures = [];
  for (let r = 0; r <= plan.length; r++) {
    const p = plan[r];
    const s = await startServe(db, args);
    const post = await fetch(`${s.base}/v1/ingest?name=${encodeURIComponent(name)}`, { method: "POST", body, headers: { "content-type": "application/gzip" } });
    const posted = await post.json();
    if (post.status !== 202) {
      failures.push(`round ${r + 1}: POST /v1/ingest answered ${post.status}: ${posted.message}`);
      s.child.kill("SIGKILL");
      break;
    }
    const startedAt = Date.now();
    const rec = { round: r + 1, reused: posted.source.reused, rowsBefore: (await countRows(db)).rows };
    if (p === undefined) {
      // The last round: let the job finish.
      let job;
      for (;;) {
        job = await getJob(s.base, posted.jobId);
        if (job.state !== "running" && job.state !== "queued") break;
        await sleep(200);
      }
      Object.assign(rec, { stop: "none (completes)", seconds: (Date.now() - startedAt) / 1000, state: job.state, resumedFrom: job.summary?.resumedFrom ?? null, error: job.error });
      if (job.state !== "done") failures.push(`final job ${job.state}: ${job.error}`);
      s.child.kill("SIGTERM");
      const e = await s.exited;
      rec.exit = e.code;
      rec.rows = (await countRows(db)).rows;
      rec.uploadsLeft = existsSync(join(db, "uploads")) ? readdirSync(join(db, "uploads")).length : 0;
      rounds.push(rec);
      log(rec);
      return { rounds, failures, finalJob: job };
    }
    let job = null;
    if (p.kind === "training") {
      await sleep(p.delayMs);
      job = await getJob(s.base, posted.jobId);
    } else {
      const target = Math.floor(p.fraction * total);
      for (;;) {
        job = await getJob(s.base, posted.jobId);
        if (job.state !== "running" && job.state !== "queued") break;
        if ((readCheckpoint(db)?.variantsCommitted ?? 0) >= target) break;
        await sleep(20);
      }
    }
    const sigAt = Date.now();
    const phaseAtStop = job.state === "running" ? job.progress?.phase ?? "starting" : job.state;
    s.child.kill("SIGTERM");
    const e = await s.exited;
    const stopMs = Date.now() - sigAt;
    const cp = readCheckpoint(db);
    const rows = (await countRows(db)).rows;
    const prefix = await checkPrefix(db, fileIds);
    Object.assign(rec, {
      stop: `SIGTERM after ${((sigAt - startedAt) / 1000).toFixed(1)} s`,
      phase: phaseAtStop,
      exit: e.code,
      stopMs,
      rows,
      checkpointRows: cp?.tableRows ?? 0,
      prefixOk: prefix.ok,
      stoppedLine: s.stderr().includes("vcf-agent: stopped"),
    });
    if (e.code !== 0) failures.push(`round ${r + 1}: serve exited ${e.code} after SIGTERM: ${s.stderr().trim().split("\n").pop()}`);
    if (!prefix.ok) failures.push(`round ${r + 1}: ${prefix.problem}`);
    // A graceful stop commits what it embedded and checkpoints it: the checkpoint matches the table.
    if (cp !== null && cp.tableRows !== rows) failures.push(`round ${r + 1}: checkpoint says ${cp.tableRows} rows, table has ${rows}`);
    if (r > 0 && !rec.reused) failures.push(`round ${r + 1}: the upload of the interrupted job was not reused`);
    rounds.push(rec);
    log(rec);
  }
  return { rounds, failures, finalJob: null };
}
