// Load benchmark of `vcf-agent serve`: autocannon on loopback, 50 concurrent search
// clients for 30 s against a 100k-variant table (built once into bench/data/serve/).
// Run: npm run bench:serve   [-- --duration 30 --connections 50 --exact --tier off]
// With the search tier on (the default, as in `vcf-agent serve`), the load starts once the
// tier is built and current; --tier off serves every search from LanceDB.
// Env: BENCH_SERVE_NODE_ARGS (node flags for the service, e.g. "--cpu-prof --cpu-prof-dir=DIR"),
//      BENCH_SERVE_DB (an existing table to serve instead, e.g. bench:search's 1M one),
//      BENCH_SERVE_N (variants, default 100000), BENCH_SERVE_INDEX (ivf_rq | ivf_pq | none),
//      BENCH_SERVE_CONCURRENCY (the service's --search-concurrency; default 2 × cores).
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { existingTable, prepareTable, startServe, stopServe } from "./_serve.mjs";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "30" },
    connections: { type: "string", default: "50" },
    exact: { type: "boolean", default: false },
    tier: { type: "string", default: "on" },
  },
});
const N = Number(process.env.BENCH_SERVE_N ?? 100000);
const INDEX = process.env.BENCH_SERVE_INDEX ?? "ivf_rq";

// 1. The table, built once with the CLI (the same path users take).
const { db, stats } = process.env.BENCH_SERVE_DB ? existingTable(process.env.BENCH_SERVE_DB) : prepareTable({ n: N, index: INDEX });

// 2. The service, in its own process (so its RSS is its own).
const concurrency = process.env.BENCH_SERVE_CONCURRENCY;
const tierOn = args.tier !== "off";
const { base, server } = await startServe(db, {
  args: ["--log-level", "warn", ...(concurrency ? ["--search-concurrency", concurrency] : []), ...(tierOn ? [] : ["--no-search-tier"])],
});
const serviceStats = async () => (await fetch(`${base}/v1/stats`)).json();
const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
};

// Queries a user would type; half carry a structured filter. They repeat, as real traffic does.
const texts = [
  "pathogenic missense variant in BRCA1",
  "benign synonymous variant in TP53",
  "frameshift deletion in CFTR causing cystic fibrosis",
  "likely pathogenic splice donor variant in MLH1",
  "uncertain significance intron variant in APC",
  "stop gained in BRCA2 hereditary breast cancer",
  "rare variant in LDLR familial hypercholesterolemia",
  "nonsense variant in DMD",
  "conflicting interpretations missense in MYH7",
  "pathogenic variant in PTEN",
  "common benign variant with high allele frequency",
  "inframe deletion in RET",
];
const filters = [[], ["af<0.01"], [], ["clinical_significance=Pathogenic"], [], ["chrom=17"]];
let i = 0;
const body = () => {
  const n = i++;
  return JSON.stringify({ text: texts[n % texts.length], k: 10, filters: filters[n % filters.length], ...(args.exact ? { exact: true } : {}) });
};

// Warm-up: one pass over the queries (opens the table, loads the PCA model and index).
for (let w = 0; w < texts.length; w++) {
  const r = await fetch(`${base}/v1/search`, { method: "POST", headers: { "content-type": "application/json" }, body: body() });
  if (!r.ok) throw new Error(`warm-up search failed: ${r.status} ${await r.text()}`);
}
// The tier is built in the background after the first search: wait until it answers.
let tier = null;
if (tierOn) {
  const t0 = performance.now();
  for (;;) {
    const st = (await serviceStats()).searchTier;
    if (st.state === "ready" && st.summary?.version === stats.version) {
      tier = { ...st.summary, waitedSeconds: (performance.now() - t0) / 1000 };
      break;
    }
    if (st.state === "failed") throw new Error(`search tier failed: ${st.error}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  for (let w = 0; w < texts.length; w++) await fetch(`${base}/v1/search`, { method: "POST", headers: { "content-type": "application/json" }, body: body() });
}
const queriesBefore = (await serviceStats()).searchTier.queries;
const rssBefore = rssMb();

const result = await autocannon({
  url: base,
  connections: Number(args.connections),
  duration: Number(args.duration),
  requests: [{ method: "POST", path: "/v1/search", headers: { "content-type": "application/json" }, setupRequest: (req) => ({ ...req, body: body() }) }],
});
const rssAfter = rssMb();
const queriesAfter = (await serviceStats()).searchTier.queries;
const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
await stopServe(server);

const index = stats.indices?.find((x) => x.columns?.includes("vector"));
console.log(`# vcf-agent serve — POST /v1/search, ${args.connections} connections, ${args.duration} s, loopback`);
console.log(
  `table: ${stats.rows} rows × ${stats.dims} dims, index ${index ? index.type : "none"}${args.exact ? " (bypassed: exact search)" : ""}; ` +
    `search concurrency ${concurrency ?? "default"}; machine: ${availableParallelism()} cores, load ${load}`,
);
if (tier !== null) {
  console.log(
    `search tier: ${tier.rows} rows, ${tier.partitions} partitions, ${tier.codeBits}-bit codes, ${(tier.memoryBytes / 2 ** 20).toFixed(0)} MiB in memory (${tier.bytesPerVector.toFixed(1)} B/vector), ` +
      `${(tier.diskBytes / 2 ** 20).toFixed(0)} MiB on local disk, built in ${tier.buildSeconds.toFixed(1)} s`,
  );
}
console.log(`answered by: tier ${queriesAfter.tier - queriesBefore.tier}, LanceDB ${queriesAfter.table - queriesBefore.table}`);
console.log("requests  req/s    p50_ms  p90_ms  p99_ms  max_ms  errors  timeouts  non2xx  rss_before_mb  rss_after_mb");
console.log(
  [
    String(result.requests.total).padEnd(8),
    result.requests.average.toFixed(1).padEnd(8),
    String(result.latency.p50).padEnd(7),
    String(result.latency.p90).padEnd(7),
    String(result.latency.p99).padEnd(7),
    String(result.latency.max).padEnd(7),
    String(result.errors).padEnd(7),
    String(result.timeouts).padEnd(9),
    String(result.non2xx).padEnd(7),
    rssBefore.toFixed(0).padEnd(14),
    rssAfter.toFixed(0),
  ].join(" "),
);
if (result.errors + result.timeouts + result.non2xx > 0) process.exitCode = 1;
