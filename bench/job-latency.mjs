// How long the service keeps a request waiting while it runs an ingest job: starts
// `vcf-agent serve` on a fresh database, POSTs a VCF as an upload job and polls
// GET /v1/jobs/:id every 20 ms until the job ends; prints the slowest answer in each phase
// of the job (training = PCA sample pass and fit, reading = streaming, writing = last commits).
//
// Usage: npm run build && node bench/job-latency.mjs [FILE] [--cli dist/cli/main.js]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { cli: { type: "string", default: "dist/cli/main.js" } } });
const file = positionals[0] ?? "bench/data/gen100k_seed7.vcf.gz";
const db = mkdtempSync(path.join(tmpdir(), "vcf-agent-job-latency-"));
const child = spawn(process.execPath, [values.cli, "serve", "--db", db, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
const base = await new Promise((resolve, reject) => {
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (s) => {
    err += s;
    const m = /http:\/\/[\d.]+:\d+/.exec(err);
    if (m) resolve(m[0]);
  });
  child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
});
try {
  const started = await fetch(`${base}/v1/ingest?name=${encodeURIComponent(path.basename(file))}`, {
    method: "POST",
    body: readFileSync(file),
    headers: { "content-type": "application/octet-stream" },
  }).then((r) => r.json());
  const slowest = {};
  let polls = 0;
  for (;;) {
    const t0 = performance.now();
    const job = await fetch(`${base}/v1/jobs/${started.jobId}`).then((r) => r.json());
    const ms = performance.now() - t0;
    const phase = job.progress?.phase ?? job.state;
    slowest[phase] = Math.max(slowest[phase] ?? 0, ms);
    polls++;
    if (job.state !== "queued" && job.state !== "running") {
      const phases = Object.entries(slowest).map(([k, v]) => `${k}=${Math.round(v)}`).join(" ");
      console.log(`job.latency file=${file} state=${job.state} polls=${polls} slowestMs ${phases} load=${loadavg()[0].toFixed(1)}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.on("close", r));
  rmSync(db, { recursive: true, force: true });
}
