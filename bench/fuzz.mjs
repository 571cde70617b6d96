#!/usr/bin/env node
// Mutation fuzzer of the VCF reader (dist/, so `npm run build` first; `npm run fuzz` does).
// Every file under ../shared/data is a seed; each case mutates one (bench/fuzz/*.mjs lists the
// mutators) and reads the result through openVcf/openVcfStream and describe. A case passes when
// the reader yields well-formed variants or throws a VcfAgentError naming the file and a line
// (or the region, or a whole-input reason); any other exception, a broken invariant, a case over
// its time or memory budget, a hang (the worker is terminated at the deadline) or a crashed
// worker is a failure, saved under --out for `--replay FILE`. Exits 1 when any case failed.
//
// Usage: npm run fuzz -- [--cases 100000] [--seed 1] [--workers 1] [--max-huge-mb 10]
//          [--mutators byte-flip,truncate] [--out bench/data/fuzz-failures] [--data ../shared/data]
//          [--summary FILE.json] [--dist dist] [--replay FILE]
// --dist runs another build of the reader (e.g. a copy of dist/ from before a change).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { loadApi } from "./fuzz/api.mjs";
import { generateCase, MUTATOR_WEIGHTS } from "./fuzz/cases.mjs";
import { runCase } from "./fuzz/oracle.mjs";
import { loadCase, saveCase } from "./fuzz/persist.mjs";
import { loadSeeds } from "./fuzz/seeds.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const distDir = path.resolve(root, opt("dist", "dist"));
const dataDir = path.resolve(root, opt("data", "../shared/data"));
const outDir = path.resolve(root, opt("out", "bench/data/fuzz-failures"));
const la = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const fmt = (n) => Math.round(n).toLocaleString("en-US");
const rate = (n) => (n < 10 ? n.toFixed(1) : fmt(n));
const shown = (p) => (path.relative(root, p).startsWith("..") ? p : path.relative(root, p));

if (!existsSync(path.join(distDir, "vcf/index.js"))) {
  console.error("dist/ is missing: run `npm run build` (or `npm run fuzz`, which builds first)");
  process.exit(2);
}

const replay = opt("replay", undefined);
if (replay !== undefined) {
  const api = await loadApi(distDir);
  const c = loadCase(path.resolve(replay));
  const tmp = mkdtempSync(path.join(tmpdir(), "vcf-fuzz-"));
  const r = await runCase(api, c, { tmpDir: tmp });
  rmSync(tmp, { recursive: true, force: true });
  console.log(`${replay}: ${c.mutator} (${c.note}) mode ${c.mode}, chunking ${c.chunking}, onInvalid ${c.onInvalid}`);
  console.log(JSON.stringify({ ...r, ms: Math.round(r.ms) }, null, 2));
  process.exit(r.outcome === "failure" ? 1 : 0);
}

const cases = Number(opt("cases", "100000"));
const runSeed = Number(opt("seed", "1"));
const workers = Number(opt("workers", "1"));
const maxHuge = Number(opt("max-huge-mb", "10")) * (1 << 20);
const only = opt("mutators", undefined)?.split(",");
for (const [name, v] of [["cases", cases], ["seed", runSeed], ["workers", workers], ["max-huge-mb", maxHuge]]) {
  if (!Number.isSafeInteger(v) || v < (name === "seed" ? 0 : 1)) {
    console.error(`--${name}: expected a positive integer`);
    process.exit(2);
  }
}
for (const m of only ?? []) {
  if (!(m in MUTATOR_WEIGHTS)) {
    console.error(`--mutators: unknown mutator '${m}' (known: ${Object.keys(MUTATOR_WEIGHTS).join(", ")})`);
    process.exit(2);
  }
}
const options = { maxHuge, ...(only ? { mutators: only } : {}) };
const seeds = loadSeeds(dataDir); // main thread too: it rebuilds a case whose worker hung or died
const tmpRoot = mkdtempSync(path.join(tmpdir(), "vcf-fuzz-"));

console.log(`vcf-agent reader fuzz: ${fmt(cases)} cases, seed ${runSeed}, ${workers} worker(s), ${seeds.length} seed files from ${path.relative(root, dataDir) || dataDir}`);
console.log(`node ${process.version}; ${cpus().length} CPUs; load average ${la()} at start`);

const OUTCOMES = ["accepted", "rejected-line", "rejected-region", "rejected-file", "failure"];
const perMutator = new Map();
const reasons = new Map();
const failures = [];
const harnessErrors = [];
let done = 0;
let next = 0;
const started = performance.now();

function record(index, mutator, result, c) {
  done++;
  let row = perMutator.get(mutator);
  if (!row) perMutator.set(mutator, (row = { cases: 0, ms: 0, ...Object.fromEntries(OUTCOMES.map((o) => [o, 0])), peakMiB: 0 }));
  row.cases++;
  row.ms += result.ms ?? 0;
  row.peakMiB = Math.max(row.peakMiB, (result.peakBytes ?? 0) / 2 ** 20);
  row[result.outcome]++;
  if (result.outcome.startsWith("rejected") && result.message) {
    const key = normalise(result.message);
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  if (result.outcome === "failure") {
    const kase = c ?? generateCase(seeds, runSeed, index, api.mulberry32, options);
    const file = saveCase(outDir, kase, result);
    failures.push({ index, mutator, failure: result.failure, file });
    console.log(`FAILURE case ${index} (${mutator}: ${kase.note}): ${result.failure}\n  saved ${shown(file)}; replay: npm run fuzz -- --replay ${shown(file)}`);
  }
}

/** A rejection message without the file, line numbers and quoted input, to count reasons. */
function normalise(message) {
  return message
    .replace(/^.*?fuzz-\d+\.vcf(\.gz)?( \(region [^)]*\))?(:\d+)?: /, "")
    .replace(/'[^']*'/g, "'…'")
    .replace(/\d+/g, "N")
    .slice(0, 140);
}

const api = await loadApi(distDir);
let lastProgress = performance.now();
function progress(force = false) {
  const now = performance.now();
  if (!force && now - lastProgress < 5000) return;
  lastProgress = now;
  const s = (now - started) / 1000;
  const totals = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  for (const row of perMutator.values()) for (const o of OUTCOMES) totals[o] += row[o];
  console.log(`${fmt(done)}/${fmt(cases)} cases  ${rate(done / s)}/s  accepted ${fmt(totals.accepted)}  rejected ${fmt(totals["rejected-line"] + totals["rejected-region"] + totals["rejected-file"])}  failures ${totals.failure}  rss ${fmt(process.memoryUsage.rss() / 2 ** 20)} MiB  load ${la()}`);
}

await new Promise((resolve) => {
  let live = 0;
  const spawn = (slot) => {
    const w = new Worker(new URL("./fuzz/worker.mjs", import.meta.url), {
      workerData: { distDir, dataDir, runSeed, options, tmpDir: path.join(tmpRoot, `w${slot}`) },
      resourceLimits: { maxOldGenerationSizeMb: 2048 },
    });
    live++;
    let current; // index in flight
    let timer;
    let ended = false;
    const finish = () => {
      clearTimeout(timer);
      current = undefined;
    };
    const feed = () => {
      if (next >= cases) {
        ended = true;
        void w.terminate();
        return;
      }
      current = next++;
      w.postMessage(current);
    };
    const replace = (why) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      if (current !== undefined) {
        let c;
        try {
          c = generateCase(seeds, runSeed, current, api.mulberry32, options);
        } catch (err) {
          harnessErrors.push(`case ${current}: ${err instanceof Error ? err.stack : String(err)}`);
        }
        if (c !== undefined) record(current, c.mutator, { outcome: "failure", failure: why, ms: 0 }, c);
      }
      void w.terminate();
      spawn(slot);
    };
    w.on("message", (m) => {
      if (m.type === "ready") feed();
      else if (m.type === "start") {
        const deadline = Math.max(30_000, 3 * m.budgetMs);
        timer = setTimeout(() => replace(`hang: no answer within ${Math.round(deadline / 1000)} s`), deadline);
      } else if (m.type === "harness-error") {
        harnessErrors.push(`case ${m.index}: ${m.error}`);
        console.log(`HARNESS ERROR case ${m.index} (a fuzzer bug, not a reader failure): ${m.error}`);
        done++;
        feed();
      } else if (m.type === "done") {
        finish();
        record(m.index, m.mutator, m.result);
        progress();
        feed();
      }
    });
    w.on("error", (err) => replace(`worker died: ${err.code ?? ""} ${err.message}`));
    w.on("exit", () => {
      live--;
      if (!ended) replace("worker exited");
      else if (live === 0 && next >= cases) resolve();
    });
  };
  for (let i = 0; i < Math.min(workers, cases); i++) spawn(i);
});
rmSync(tmpRoot, { recursive: true, force: true });
progress(true);

const seconds = (performance.now() - started) / 1000;
const peakRss = process.resourceUsage().maxRSS / 1024;
console.log(`\nper mutator (cases, outcomes, mean ms per case, most memory in use by one case over its start):`);
const pad = (s, n) => String(s).padStart(n);
console.log(`${"mutator".padEnd(16)}${pad("cases", 9)}${pad("accepted", 10)}${pad("rej-line", 10)}${pad("rej-region", 11)}${pad("rej-file", 10)}${pad("failures", 10)}${pad("ms/case", 9)}${pad("peak MiB", 10)}`);
const totals = { cases: 0, ms: 0, ...Object.fromEntries(OUTCOMES.map((o) => [o, 0])), peakMiB: 0 };
const line = (name, row) =>
  `${name.padEnd(16)}${pad(fmt(row.cases), 9)}${pad(fmt(row.accepted), 10)}${pad(fmt(row["rejected-line"]), 10)}${pad(fmt(row["rejected-region"]), 11)}${pad(fmt(row["rejected-file"]), 10)}${pad(fmt(row.failure), 10)}${pad((row.ms / Math.max(1, row.cases)).toFixed(1), 9)}${pad(row.peakMiB.toFixed(1), 10)}`;
for (const [name, row] of [...perMutator].sort((a, b) => b[1].cases - a[1].cases)) {
  for (const k of Object.keys(totals)) totals[k] = k === "peakMiB" ? Math.max(totals[k], row[k]) : totals[k] + row[k];
  console.log(line(name, row));
}
console.log(line("total", totals));
console.log(`\nmost common rejections:`);
for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${pad(fmt(n), 8)}  ${reason}`);
console.log(`\n${fmt(totals.cases)} cases in ${seconds.toFixed(1)} s: ${rate(totals.cases / seconds)} cases/s; peak RSS ${fmt(peakRss)} MiB; failures ${failures.length}; load average ${la()} at end`);
const summary = opt("summary", undefined);
if (summary !== undefined) {
  const out = { cases: totals.cases, seed: runSeed, workers, seconds, casesPerSecond: totals.cases / seconds, peakRssMiB: peakRss, loadAverageEnd: loadavg(), perMutator: Object.fromEntries(perMutator), failures, harnessErrors, rejections: Object.fromEntries(reasons) };
  writeFileSync(path.resolve(summary), `${JSON.stringify(out, null, 2)}\n`);
}
if (harnessErrors.length > 0) console.log(`${harnessErrors.length} case(s) could not be built (fuzzer bugs, listed above)`);
process.exit(failures.length > 0 || harnessErrors.length > 0 ? 1 : 0);
