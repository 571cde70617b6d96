// Scale-out benchmark: one generated ClinVar-style file (gen_vcf.py --seed 7, bgzipped and
// tabix-indexed; cached in bench/data/) ingested at the standard level with the local
// provider, through the real CLI, as:
//   local   one process, table in a local directory
//   s3      one process, table on s3:// (Ceph RGW on 127.0.0.1)
//   w1 w2 w4  ingest --workers 1, 2, 4 (local worker processes), table on s3://
//   q2      ingest --queue redis://… with 2 `vcf-agent worker` processes (Debian redis-server), s3://
// For each: variants/s (wall), CPU-seconds per variant (user + system of every process of the
// run, from GNU time; on 2 cores this is the scaling measure), peak RSS per worker process
// (the kernel's figure, from the worker's own getrusage) against LanceDB's own append floor
// (bench/lance-writes.mjs --via lancedb, the same number of 768-d rows in 2,048-row writes),
// S3 requests per 1,000 variants and commit conflicts (412 answers to a conditional PUT),
// counted by an HTTP proxy in front of RGW.
// --trace N (e.g. 10000000) adds two ingests by one worker process (--workers 1) into a local
// directory, of 1M and of N variants, the worker's RSS sampled every second: its peak at each
// size and the growth between them; then LanceDB alone appending N rows in fresh processes of
// as many rows as a worker process writes before it is renewed (the floor as the worker meets it).
//
// Usage: npm run bench:scale [-- --n 1000000] [--runs local,s3,w1,w2,w4,q2] [--trace 10000000]
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import http from "node:http";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GNU_TIME, cli, dataDir, loadAverage, memOf, nodePid, parseGnuTime, requireBuild, root } from "./_proc.mjs";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "1000000" },
    runs: { type: "string", default: "local,s3,w1,w2,w4,q2" },
    trace: { type: "string" },
    seed: { type: "string", default: "7" },
  },
});
const N = Number(values.n);
const SEED = Number(values.seed);
const RUNS = values.runs.split(",").filter(Boolean);
for (const r of RUNS) if (!/^(local|s3|w\d+|q\d+)$/.test(r)) throw new Error(`--runs ${r}: use local, s3, wN or qN`);
requireBuild();
if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: apt-get install -y time`);

const RGW_PORT = 7480;
const REDIS_PORT = 6391;
const KEY = "LANCEKEY";
const SECRET = "LANCESECRET";
const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-bench-scale-"));

/** bench/data/gen<N>_seed<S>.vcf.bgz with its .tbi, generated once. */
function indexedVcf(n, seed) {
  const size = n % 1e6 === 0 ? `${n / 1e6}m` : n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
  const file = path.join(dataDir, `gen${size}_seed${seed}.vcf.bgz`);
  if (existsSync(file) && existsSync(`${file}.tbi`)) return file;
  mkdirSync(dataDir, { recursive: true });
  process.stderr.write(`generating ${file} …\n`);
  const part = `${file}.${process.pid}.tmp`;
  execFileSync("sh", ["-c", `python3 "${path.resolve(root, "../shared/tools/gen_vcf.py")}" --n ${n} --seed ${seed} | bgzip -c > "${part}"`], { stdio: ["ignore", "ignore", "inherit"] });
  renameSync(part, file);
  execFileSync("tabix", ["-f", "-p", "vcf", file]);
  return file;
}

async function answers(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * RGW on 127.0.0.1:7480 with a 12 GiB in-memory store, (re)started fresh: RGW frees deleted
 * objects only when its garbage collector runs, so each s3:// run gets a new store.
 */
function freshRgw() {
  const env = { ...process.env, RGW_PORT: String(RGW_PORT), RGW_DIR: path.join(tmp, "rgw"), RGW_MEMSTORE_BYTES: String(12 * 2 ** 30) };
  execFileSync("bash", [path.join(root, "scripts/rgw.sh"), "start"], { env, stdio: ["ignore", "ignore", "inherit"], timeout: 180_000 });
  return () => execFileSync("bash", [path.join(root, "scripts/rgw.sh"), "stop"], { env, stdio: "ignore", timeout: 60_000 });
}

/** An HTTP proxy in front of RGW that counts requests by method, and 412 answers (lost commit races). */
function countingProxy() {
  const counts = { requests: 0, byMethod: {}, conflicts: 0 };
  const server = http.createServer((req, res) => {
    counts.requests++;
    counts.byMethod[req.method] = (counts.byMethod[req.method] ?? 0) + 1;
    const up = http.request({ host: "127.0.0.1", port: RGW_PORT, method: req.method, path: req.url, headers: req.headers }, (r) => {
      if (r.statusCode === 412) counts.conflicts++;
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: server.address().port, counts })));
}

/** Debian's redis-server on REDIS_PORT, no persistence (the bench's queue is thrown away). */
async function startRedis() {
  const child = spawn("redis-server", ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      if (execFileSync("redis-cli", ["-p", String(REDIS_PORT), "ping"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() === "PONG") return () => child.kill("SIGTERM");
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server did not come up on 127.0.0.1:${REDIS_PORT}`);
}

/** Runs `args` of the CLI under GNU time; resolves with stdout and its report. */
function timed(args, env, { sampleRss = false } = {}) {
  const out = path.join(tmp, `time-${Math.random().toString(36).slice(2)}.txt`);
  const child = spawn(GNU_TIME, ["-v", "-o", out, process.execPath, cli, ...args], { stdio: ["ignore", "pipe", "inherit"], env });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (s) => (stdout += s));
  const trace = [];
  const t0 = performance.now();
  const timer = sampleRss
    ? setInterval(() => {
        const pid = nodePid(child.pid, true);
        const m = pid === null ? null : memOf(pid);
        if (m !== null) trace.push({ s: (performance.now() - t0) / 1000, rssMb: m.rss / 1024 });
      }, 1000)
    : null;
  const done = new Promise((resolve, reject) =>
    child.on("exit", (code) => {
      if (timer) clearInterval(timer);
      const report = existsSync(out) ? parseGnuTime(readFileSync(out, "utf8")) : null;
      if (code !== 0) reject(new Error(`vcf-agent ${args.join(" ")} exited ${code}`));
      else resolve({ stdout, report, seconds: (performance.now() - t0) / 1000, trace });
    }),
  );
  return { child, done };
}

/** Pids of the children of `pid`. */
function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * LanceDB alone appending `rows` 768-d rows in 2,048-row writes: the memory floor of a writer.
 * With `into`, the rows go to table "v" of that directory (kept), numbered after `into.firstId`.
 */
function lanceFloor(rows, into) {
  const batches = Math.ceil(rows / 2048);
  const target = into === undefined ? [] : ["--db", into.db, "--first-id", String(into.firstId)];
  const out = execFileSync(process.execPath, [path.join(root, "bench/lance-writes.mjs"), "--via", "lancedb", ...target, "--batches", String(batches), "--rows", "2048", "--every", String(batches + 1)], {
    encoding: "utf8",
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = out.split("\n").find((l) => l.startsWith("lance.total"));
  return { peakRssMb: Number(/peakRssMb=(\d+)/.exec(line)?.[1]), line };
}

const input = indexedVcf(N, SEED);
process.stderr.write(`input ${input}; ${cpus().length} cores; load ${loadAverage()}\n`);
if (RUNS.some((r) => r !== "local") && (await answers(`http://127.0.0.1:${RGW_PORT}/`))) {
  throw new Error(`an S3 server already answers on 127.0.0.1:${RGW_PORT}: stop it first (RGW_DIR=… scripts/rgw.sh stop); this benchmark starts its own`);
}
let stopRgw = () => {};
const proxy = RUNS.some((r) => r !== "local") ? await countingProxy() : null;
const stopRedis = RUNS.some((r) => r.startsWith("q")) ? await startRedis() : () => {};
const bucket = "bench-scale";
const s3 = new S3Client({ endpoint: `http://127.0.0.1:${RGW_PORT}`, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
const env = proxy
  ? { ...process.env, AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: "us-east-1", AWS_ENDPOINT: `http://127.0.0.1:${proxy.port}` }
  : { ...process.env };
const storeOpts = ["--storage-option", "allow_http=true"];

const floor = lanceFloor(N);
console.log(`scale.floor rows=${N} ${floor.line}`);

const results = [];
for (const run of RUNS) {
  const remote = run !== "local";
  const db = remote ? `s3://${bucket}/${run}` : path.join(tmp, `db-${run}`);
  if (remote) {
    stopRgw();
    stopRgw = freshRgw();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  const before = proxy ? { requests: proxy.counts.requests, conflicts: proxy.counts.conflicts, byMethod: { ...proxy.counts.byMethod } } : null;
  const base = ["ingest", input, "--db", db, ...(remote ? storeOpts : []), "--quiet", "--format", "json"];
  let summary;
  let cpuSeconds;
  let seconds;
  let workerRss;
  if (run.startsWith("q")) {
    const k = Number(run.slice(1));
    const url = `redis://127.0.0.1:${REDIS_PORT}?name=bench-${run}`;
    const workers = Array.from({ length: k }, () => timed(["worker", "--queue", url, "--quiet", ...storeOpts], env));
    const planner = timed([...base, "--queue", url], env);
    const p = await planner.done;
    // Stops after the current shard (there is none): the worker itself, not GNU time around it.
    for (const w of workers) process.kill(nodePid(w.child.pid, true), "SIGTERM");
    const ws = await Promise.all(workers.map((w) => w.done));
    summary = JSON.parse(p.stdout);
    seconds = p.seconds;
    cpuSeconds = p.report.user + p.report.sys + ws.reduce((a, w) => a + w.report.user + w.report.sys, 0);
    workerRss = ws.map((w) => Math.round(w.report.maxRssKb / 1024));
  } else {
    const args = run.startsWith("w") ? [...base, "--workers", run.slice(1)] : base;
    const p = await timed(args, env).done;
    summary = JSON.parse(p.stdout);
    seconds = p.seconds;
    cpuSeconds = p.report.user + p.report.sys; // GNU time counts the waited-for worker processes too
    workerRss = run.startsWith("w") ? summary.workers.map((w) => w.peakRssMb) : [summary.peakRssMb];
  }
  const variants = summary.variantsRead;
  const requests = proxy && remote ? proxy.counts.requests - before.requests : null;
  const methods = proxy && remote ? Object.fromEntries(Object.entries(proxy.counts.byMethod).map(([m, c]) => [m, c - (before.byMethod[m] ?? 0)]).filter(([, c]) => c > 0)) : null;
  const r = {
    run,
    db: remote ? "s3" : "dir",
    variants,
    written: summary.variantsWritten,
    tableRows: summary.tableRows,
    seconds: Number(seconds.toFixed(1)),
    variantsPerSecond: Math.round(variants / seconds),
    cpuMicrosecondsPerVariant: Math.round((1e6 * cpuSeconds) / variants),
    peakRssMbPerWorker: Math.max(...workerRss),
    floorMb: floor.peakRssMb,
    overFloorMb: Math.max(...workerRss) - floor.peakRssMb,
    s3RequestsPer1000: requests === null ? null : Number(((1000 * requests) / variants).toFixed(2)),
    s3Requests: methods,
    conflicts412: proxy && remote ? proxy.counts.conflicts - before.conflicts : null,
    shards: summary.shards ?? null,
    retries: summary.retries ?? null,
    indexSeconds: summary.index?.seconds ?? null,
  };
  results.push(r);
  console.log(`scale.run ${Object.entries(r).map(([k, v]) => `${k}=${typeof v === "object" && v !== null ? JSON.stringify(v) : v}`).join(" ")}`);
  if (!remote) rmSync(db, { recursive: true, force: true });
}

if (values.trace !== undefined) {
  // One worker process (ingest --workers 1) into a local directory, on 1M variants and on N; its
  // RSS (the shard worker's, not the planner's) sampled every second from /proc, and its
  // high-water mark from getrusage. Flat means: the peak over N variants within 5 % of the peak
  // over 1M, both against the floor (LanceDB alone appending 1M rows).
  const traced = async (n) => {
    const file = indexedVcf(n, SEED);
    const db = path.join(tmp, `db-trace-${n}`);
    const run = timed(["ingest", file, "--db", db, "--workers", "1", "--quiet", "--format", "json"], { ...process.env });
    const trace = [];
    const t0 = performance.now();
    const timer = setInterval(() => {
      const planner = nodePid(run.child.pid, true);
      if (planner === null) return;
      for (const kid of childrenOf(planner)) {
        const m = memOf(kid);
        if (m !== null) trace.push({ s: (performance.now() - t0) / 1000, rssMb: m.rss / 1024 });
      }
    }, 1000);
    const p = await run.done;
    clearInterval(timer);
    const s = JSON.parse(p.stdout);
    rmSync(db, { recursive: true, force: true });
    const peak = s.workers[0]?.peakRssMb;
    console.log(
      `scale.trace variants=${s.variantsRead} seconds=${p.seconds.toFixed(1)} variantsPerSecond=${Math.round(s.variantsRead / p.seconds)} ` +
        `workerPeakRssMb(getrusage)=${peak} sampledPeakMb=${Math.round(Math.max(...trace.map((x) => x.rssMb)))} floorMb=${floor.peakRssMb} overFloorMb=${peak - floor.peakRssMb}`,
    );
    const every = Math.max(1, Math.round(trace.length / 12));
    console.log(`scale.trace.samples ${trace.filter((_, i) => i % every === 0).map((x) => `${Math.round(x.s)}s:${Math.round(x.rssMb)}`).join(" ")}`);
    return peak;
  };
  const big = Number(values.trace);
  const small = await traced(Math.min(1e6, big));
  const large = await traced(big);
  console.log(`scale.trace.growth 1M→${big / 1e6}M workerPeakRssMb ${small} → ${large} (${((100 * (large - small)) / small).toFixed(1)}%; target ≤ 5 %, and ≤ floor + 150 = ${floor.peakRssMb + 150} MB)`);
  // The floor as the worker meets it: LanceDB alone appending N rows to one table in fresh
  // processes of RECYCLE_ROWS rows each (a worker renews its process that often), each
  // process's peak; the growth from the processes of the first 1M rows to the last ones is
  // what the library itself does as the table grows.
  const { RECYCLE_ROWS } = await import("../dist/pipeline/workers.js");
  const perProcess = Math.round(RECYCLE_ROWS / 2048) * 2048;
  const renewDb = path.join(tmp, "db-floor-renewed");
  const peaks = [];
  for (let first = 0; first < big; first += perProcess) {
    peaks.push({ first, peakRssMb: lanceFloor(perProcess, { db: renewDb, firstId: first }).peakRssMb });
  }
  rmSync(renewDb, { recursive: true, force: true });
  const maxOf = (xs) => Math.max(...xs.map((x) => x.peakRssMb));
  const early = maxOf(peaks.filter((p) => p.first < 1e6));
  const late = maxOf(peaks.filter((p) => p.first >= big - 1e6));
  console.log(
    `scale.floor.renewed rowsPerProcess=${perProcess} processes=${peaks.length} peakMb(first 1M)=${early} peakMb(last 1M)=${late} (${((100 * (late - early)) / early).toFixed(1)}%) ` +
      `peaks=${peaks.map((p) => p.peakRssMb).join(",")}`,
  );
}

const one = results.find((r) => r.run === "w1");
const four = results.find((r) => r.run === "w4");
if (one && four) console.log(`scale.cpu w1→w4 cpuMicrosecondsPerVariant ${one.cpuMicrosecondsPerVariant} → ${four.cpuMicrosecondsPerVariant} (${(100 * (four.cpuMicrosecondsPerVariant / one.cpuMicrosecondsPerVariant - 1)).toFixed(1)}%; target ≤ +10%)`);
console.log("\n| run | table | variants/s | CPU µs/variant | peak RSS/worker MB | floor MB | over floor | S3 req/1k variants | 412s | shards | retries |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of results) {
  console.log(`| ${r.run} | ${r.db} | ${r.variantsPerSecond} | ${r.cpuMicrosecondsPerVariant} | ${r.peakRssMbPerWorker} | ${r.floorMb} | ${r.overFloorMb} | ${r.s3RequestsPer1000 ?? "–"} | ${r.conflicts412 ?? "–"} | ${r.shards ?? "–"} | ${r.retries ?? "–"} |`);
}
proxy?.server.close();
stopRedis();
stopRgw();
rmSync(tmp, { recursive: true, force: true });
