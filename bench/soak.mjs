// Soak of `vcf-agent serve`: bounded concurrent load for minutes, RSS sampled from outside.
// The service runs in its own process on the 100k-variant table bench/serve.mjs uses
// (built once into bench/data/serve/), with an API key and request logging at info, as in
// production. autocannon keeps --connections requests in flight, cycling a fixed mix: text
// searches with and without filters (string and structured), searches by variant id, unique
// query texts (cache misses), /v1/embed of new and repeated texts, /v1/stats and /metrics.
// VmRSS is read from /proc every --sample-ms; /v1/stats' process.memoryUsage() breakdown
// (heap, external, array buffers) and the query cache every 5 s.
//
// Reported after a --warmup: the least-squares slope of RSS over time (MB/min) with its
// standard error taken from 30-s block means (1-s samples are correlated by GC cycles, so
// their own standard error is too small), first- and last-minute means, max, requests/s,
// p50/p99, errors. Flat means: no trend (|slope| ≤ 2 SE), and the window rules out growth
// of --leak-bytes-per-request (default 2 KiB) per request, i.e. |slope| + 2 SE stays below
// that many bytes × the measured request rate. 2 KiB is below the smallest buffer a request
// could leak (its 768-d query vector is 3 KiB, a 1536-d embedding 6 KiB, a result page more).
//
// Usage: npm run bench:soak [-- --duration 300 --connections 16 --warmup 30 --sample-ms 1000]
//        [--n 100000] [--index ivf_rq] [--search-concurrency N] [--env MALLOC_ARENA_MAX=2]
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { cpuOf, leastSquares, loadAverage, memOf, requireBuild, smapsGroups } from "./_proc.mjs";
import { prepareTable, startServe, stopServe } from "./_serve.mjs";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "300" },
    connections: { type: "string", default: "16" },
    warmup: { type: "string", default: "30" },
    "sample-ms": { type: "string", default: "1000" },
    n: { type: "string", default: "100000" },
    index: { type: "string", default: "ivf_rq" },
    "search-concurrency": { type: "string" },
    "leak-bytes-per-request": { type: "string", default: "2048" },
    env: { type: "string", multiple: true },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const SAMPLE_MS = Number(args["sample-ms"]);
const LEAK_BYTES = Number(args["leak-bytes-per-request"]);
if (!(DURATION > WARMUP + 60)) throw new Error(`--duration (${DURATION} s) must exceed --warmup (${WARMUP} s) by more than a minute`);
const KEY = "soak-bench-key";
const AUTH = { authorization: `Bearer ${KEY}` };
const JSON_AUTH = { ...AUTH, "content-type": "application/json" };

requireBuild();
const { db, stats } = prepareTable({ n: Number(args.n), index: args.index });
let logLines = 0;
let logBytes = 0;
const { base, server } = await startServe(db, {
  args: ["--log-level", "info", ...(args["search-concurrency"] ? ["--search-concurrency", args["search-concurrency"]] : [])],
  env: { VCF_AGENT_API_KEY: KEY, ...Object.fromEntries((args.env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])) },
  onStdout: (chunk) => {
    logBytes += chunk.length;
    for (const b of chunk) if (b === 10) logLines++;
  },
});

async function call(method, path, body) {
  const r = await fetch(`${base}${path}`, { method, headers: body === undefined ? AUTH : JSON_AUTH, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.headers.get("content-type")?.includes("json") ? r.json() : r.text();
}

// Queries a user would type; they repeat, as real traffic does, and some are new every time.
const texts = [
  "pathogenic missense variant in BRCA1",
  "benign synonymous variant in TP53",
  "frameshift deletion in CFTR causing cystic fibrosis",
  "likely pathogenic splice donor variant in MLH1",
  "uncertain significance intron variant in APC",
  "stop gained in BRCA2 hereditary breast cancer",
  "rare variant in LDLR familial hypercholesterolemia",
  "conflicting interpretations missense in MYH7",
];
// Ids to search by: the hits of one query per text (warm-up), so they exist in the table.
const ids = [];
for (const text of texts) {
  const r = await call("POST", "/v1/search", { text, k: 5 });
  ids.push(...r.hits.map((h) => h.variantId));
}
// Fill the query cache to its bound first: a service in its steady state has a full cache, and
// a filling one grows RSS by design (up to the cache's byte budget), which is not a leak.
const cacheBefore = (await call("GET", "/v1/stats")).optimization.cacheStats;
let cache = cacheBefore;
for (let batch = 0, stalled = 0; stalled < 3 && batch < 200; batch++) {
  await call("POST", "/v1/embed", { texts: Array.from({ length: 256 }, (_, j) => `prefill query ${batch * 256 + j} in ${texts[j % texts.length]}`) });
  const next = (await call("GET", "/v1/stats")).optimization.cacheStats;
  stalled = next.entries > cache.entries ? 0 : stalled + 1;
  cache = next;
}
console.error(
  `query cache filled: ${cacheBefore.entries} → ${cache.entries} entries (max ${cache.maxEntries}), ${cache.memoryUsageMb} MB (max ${cache.maxSizeMb} MB), evictions ${cache.evictions}`,
);
const genes = ["BRCA1", "BRCA2", "TP53", "CFTR", "MLH1", "APC", "LDLR", "MYH7"];

/** The request mix; entry i % length is the i-th request. */
const MIX = [
  { kind: "search", make: (i) => ({ text: texts[i % texts.length], k: 10 }) },
  { kind: "search+filter", make: (i) => ({ text: texts[(i + 3) % texts.length], k: 10, filters: ["af<0.01"] }) },
  { kind: "embed-new", make: (i) => ({ texts: [0, 1, 2, 3].map((j) => `${texts[(i + j) % texts.length]} at position ${i * 4 + j}`) }) },
  { kind: "search+filter", make: (i) => ({ text: texts[(i + 5) % texts.length], k: 20, filters: [{ field: "clinical_significance", op: "=", value: "Pathogenic" }] }) },
  { kind: "stats", get: "/v1/stats" },
  { kind: "search-new+filter", make: (i) => ({ text: `${texts[i % texts.length]} near ${i}`, k: 10, filters: ["chrom=17"] }) },
  { kind: "metrics", get: "/metrics" },
  { kind: "similar+filter", make: (i) => ({ variantId: ids[i % ids.length], k: 10, filters: [{ field: "gene", op: "in", value: genes.slice(0, 1 + (i % genes.length)) }] }) },
  { kind: "embed-repeat", make: (i) => ({ texts: [texts[i % texts.length], texts[(i + 1) % texts.length]] }) },
  { kind: "search+filter", make: (i) => ({ text: texts[(i + 2) % texts.length], k: 50, filters: [`gene=${genes[i % genes.length]}`, "pos=1..200000000"] }) },
];
const sent = {};
let counter = 0;
function nextRequest(req) {
  const i = counter++;
  const m = MIX[i % MIX.length];
  sent[m.kind] = (sent[m.kind] ?? 0) + 1;
  if (m.get) return { ...req, method: "GET", path: m.get, headers: AUTH, body: undefined };
  const path = m.kind.startsWith("embed") ? "/v1/embed" : "/v1/search";
  return { ...req, method: "POST", path, headers: JSON_AUTH, body: JSON.stringify(m.make(i)) };
}

// Sampling from outside (RSS, CPU) and the service's own breakdown.
const t0 = performance.now();
const now = () => (performance.now() - t0) / 1000;
const samples = []; // { t, rss, anon, file, cpu } MB, MB, MB, s
const breakdown = []; // { t, heapUsedMb, externalMb, arrayBuffersMb, cacheEntries, cacheMb }
const sampler = setInterval(() => {
  const m = memOf(server.pid);
  if (m !== null && m.rss > 0) samples.push({ t: now(), rss: m.rss / 1024, anon: m.anon / 1024, file: m.file / 1024, cpu: cpuOf(server.pid) });
}, SAMPLE_MS);
let breakdownBusy = false;
const breakdownTimer = setInterval(() => {
  if (breakdownBusy) return;
  breakdownBusy = true;
  const t = now();
  call("GET", "/v1/stats")
    .then((s) =>
      breakdown.push({
        t,
        heapUsedMb: s.memory.heapUsedMb,
        heapTotalMb: s.memory.heapTotalMb,
        externalMb: s.memory.externalMb,
        arrayBuffersMb: s.memory.arrayBuffersMb,
        cacheEntries: s.optimization.cacheStats.entries,
        cacheMb: s.optimization.cacheStats.memoryUsageMb,
      }),
    )
    .catch((e) => process.stderr.write(`stats sample failed: ${e.message}\n`))
    .finally(() => (breakdownBusy = false));
}, 5000);
const loadBefore = loadAverage();
// Where resident memory sits (smaps), when the warm-up ends and at the end: growth by kind.
let smapsWarm = null;
const smapsTimer = setTimeout(() => (smapsWarm = smapsGroups(server.pid)), WARMUP * 1000);
const rssStart = memOf(server.pid);

const result = await autocannon({
  url: base,
  connections: CONNECTIONS,
  duration: DURATION,
  requests: [{ method: "POST", path: "/v1/search", setupRequest: nextRequest }],
});
clearInterval(sampler);
clearInterval(breakdownTimer);
clearTimeout(smapsTimer);
const smapsEnd = smapsGroups(server.pid);
const loadAfter = loadAverage();
const metricsText = await call("GET", "/metrics");
const serverCpu = cpuOf(server.pid);
await stopServe(server);

// Analysis: after the warm-up only.
const minutes = (t) => t / 60;
const steady = samples.filter((s) => s.t >= WARMUP);
const fit = leastSquares(steady.map((s) => ({ x: minutes(s.t), y: s.rss })));
const BLOCK_S = 30;
const blocks = [];
for (let start = WARMUP; start + BLOCK_S <= samples.at(-1).t + 1e-9; start += BLOCK_S) {
  const inBlock = steady.filter((s) => s.t >= start && s.t < start + BLOCK_S);
  if (inBlock.length > 0) blocks.push({ x: minutes(start + BLOCK_S / 2), y: inBlock.reduce((a, s) => a + s.rss, 0) / inBlock.length });
}
const blockFit = leastSquares(blocks);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const end = samples.at(-1).t;
const firstMinute = mean(steady.filter((s) => s.t < WARMUP + 60).map((s) => s.rss));
const lastMinute = mean(steady.filter((s) => s.t >= end - 60).map((s) => s.rss));
const max = Math.max(...samples.map((s) => s.rss));
const bd = breakdown.filter((b) => b.t >= WARMUP);
const slopeOf = (key) => (bd.length >= 3 ? leastSquares(bd.map((b) => ({ x: minutes(b.t), y: b[key] }))).slope : Number.NaN);

/** Per-route request counts, mean latency and status codes from the service's own histogram. */
function routesFromMetrics(text) {
  const out = {};
  for (const m of text.matchAll(/^vcf_agent_http_request_duration_seconds_(sum|count)\{method="(\w+)",route="([^"]*)",status_code="(\d+)"\} (\S+)$/gm)) {
    const [, kind, method, route, status, value] = m;
    const key = `${method} ${route} ${status}`;
    out[key] ??= { sum: 0, count: 0 };
    out[key][kind] = Number(value);
  }
  return out;
}
const routes = routesFromMetrics(metricsText);

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
const twoSe = 2 * blockFit.se;
// Growth the window must rule out: LEAK_BYTES per request at the measured rate, in MB/min.
const threshold = (LEAK_BYTES * result.requests.average * 60) / 1048576;
const flat = Math.abs(blockFit.slope) <= twoSe && Math.abs(blockFit.slope) + twoSe <= threshold;
const index = stats.indices?.find((x) => x.columns?.includes("vector"));
console.log(`# vcf-agent serve soak: ${CONNECTIONS} connections for ${DURATION} s (warm-up ${WARMUP} s excluded), loopback, API key on, info logging`);
console.log(
  `table: ${stats.rows} rows × ${stats.dims} dims, index ${index ? index.type : "none"}; search concurrency ${args["search-concurrency"] ?? "default"}; ` +
    `machine: ${availableParallelism()} cores; load average before ${loadBefore}, after ${loadAfter}`,
);
console.log(`query cache filled before the run: ${cache.entries} entries, ${cache.memoryUsageMb} MB (bounds ${cache.maxEntries} entries, ${cache.maxSizeMb} MB)`);
console.log(`requests: ${result.requests.total} (${f1(result.requests.average)}/s), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
console.log(`errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}; mix sent: ${JSON.stringify(sent)}`);
console.log(`service CPU ${f1(serverCpu)} s over ${f1(end)} s; log output ${logLines} lines, ${(logBytes / 1048576).toFixed(1)} MB`);
console.log(`RSS at start ${f1(rssStart.rss / 1024)} MB; after warm-up: first minute mean ${f1(firstMinute)} MB, last minute mean ${f1(lastMinute)} MB, max ${f1(max)} MB (whole run)`);
console.log(
  `RSS slope after warm-up: ${f2(blockFit.slope)} MB/min ± ${f2(blockFit.se)} (SE of ${blocks.length} 30-s block means; ` +
    `1-s samples: ${f2(fit.slope)} ± ${f2(fit.se)}); flat (|slope| ≤ 2 SE and |slope| + 2 SE ≤ ${f2(threshold)} MB/min = ${LEAK_BYTES} B per request ` +
    `at ${f1(result.requests.average)} req/s): ${flat ? "yes" : "NO"}; the run rules out growth above ${f2(Math.abs(blockFit.slope) + twoSe)} MB/min ` +
    `(${f1(((Math.abs(blockFit.slope) + twoSe) * 1048576) / 60 / result.requests.average)} B per request)`,
);
console.log(
  `breakdown slopes after warm-up (MB/min, /v1/stats every 5 s): heapUsed ${f2(slopeOf("heapUsedMb"))}, external ${f2(slopeOf("externalMb"))}, ` +
    `arrayBuffers ${f2(slopeOf("arrayBuffersMb"))}, query cache ${f2(slopeOf("cacheMb"))} (entries ${bd[0]?.cacheEntries ?? "?"} → ${bd.at(-1)?.cacheEntries ?? "?"})`,
);
console.log("\nper route (the service's histogram): requests, mean ms");
for (const [key, v] of Object.entries(routes).sort()) console.log(`  ${key.padEnd(34)} ${String(v.count).padStart(7)} ${f1((1000 * v.sum) / v.count)}`);
console.log("\nRSS by 30-s block (MB): " + blocks.map((b) => b.y.toFixed(0)).join(" "));
console.log(
  "RSS anon / file at end (MB): " + f1(samples.at(-1).anon) + " / " + f1(samples.at(-1).file) +
    "; heapUsed / external / arrayBuffers first → last (MB): " +
    (bd.length ? `${bd[0].heapUsedMb}/${bd[0].externalMb}/${bd[0].arrayBuffersMb} → ${bd.at(-1).heapUsedMb}/${bd.at(-1).externalMb}/${bd.at(-1).arrayBuffersMb}` : "n/a"),
);
if (smapsWarm && smapsEnd) {
  console.log(
    "resident by mapping (smaps), end of warm-up → end (MB): " +
      Object.keys(smapsEnd)
        .map((k) => `${k} ${f1(smapsWarm[k])} → ${f1(smapsEnd[k])}`)
        .join(", "),
  );
}
const second = steady.filter((s) => s.t >= WARMUP + (end - WARMUP) / 2);
if (second.length > 2) console.log(`RSS slope over the second half of the measured window: ${f2(leastSquares(second.map((s) => ({ x: minutes(s.t), y: s.rss }))).slope)} MB/min`);
if (process.env.SOAK_SERIES) {
  console.log("\nt_s rss_mb");
  for (const s of samples) console.log(`${s.t.toFixed(0)} ${s.rss.toFixed(1)}`);
}
if (result.errors + result.timeouts + result.non2xx > 0 || !flat) process.exitCode = 1;
