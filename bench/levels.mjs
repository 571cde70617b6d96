// Memory under load, per optimization level: the real CLI (`vcf-agent ingest --level L`)
// as a child process on gen_vcf.py --n 1000000 --seed 7 (gzip, cached in bench/data/), at
// basic, standard and aggressive. Everything is measured from outside the process: VmRSS
// and VmHWM from /proc every --interval ms, CPU from /proc and GNU time (whose maximum
// resident set is the kernel's own figure), and RSS over the run as the share of variants
// read grows (from the CLI's own progress lines, one every 5 s, interpolated in time).
// For aggressive, the ANN index build time comes from the ingest summary.
//
// Usage: npm run bench:levels [-- --n 1000000] [--levels basic,standard,aggressive]
//        [--interval 100] [--seed 7] [--env MALLOC_ARENA_MAX=2] [--keep] [--series DIR]
// --series DIR writes each level's samples (t s, RSS kB, VmHWM kB, CPU s) and progress lines
// (t s, variants read) to DIR/levels-<level>.json, for plotting or a closer look.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { GNU_TIME, cli, cpuOf, generatedVcf, loadAverage, mb, memOf, nodePid, parseGnuTime, requireBuild, root } from "./_proc.mjs";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "1000000" },
    levels: { type: "string", default: "basic,standard,aggressive" },
    seed: { type: "string", default: "7" },
    interval: { type: "string", default: "100" },
    env: { type: "string", multiple: true },
    keep: { type: "boolean", default: false },
    series: { type: "string" },
  },
});
const N = Number(values.n);
const LEVELS = values.levels.split(",").map((s) => s.trim());
const INTERVAL_MS = Number(values.interval);
const EXTRA_ENV = Object.fromEntries((values.env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
for (const l of LEVELS) if (!["basic", "standard", "aggressive"].includes(l)) throw new Error(`--levels: unknown level '${l}' (basic, standard, aggressive)`);
if (!(INTERVAL_MS >= 20)) throw new Error(`--interval: expected milliseconds ≥ 20, got '${values.interval}'`);

/** `ingest: 123456 variants (12.3% of input), 9876/s, RSS 456 MB` (src/cli/_progress.ts, non-TTY form). */
const PROGRESS = /^ingest: (\d+) variants/;

/** Runs one ingest at `level`; resolves with the summary, the samples and GNU time's report. */
function runIngest(file, db, level) {
  const underTime = existsSync(GNU_TIME);
  const timeOut = path.join(tmpdir(), `vcf-agent-bench-levels-time-${process.pid}.txt`);
  // No --quiet: the progress lines (every 5 s) are the variant counts the RSS series is keyed by.
  const args = [cli, "ingest", file, "--db", db, "--level", level, "--format", "json"];
  const started = performance.now();
  const child = spawn(underTime ? GNU_TIME : process.execPath, underTime ? ["-v", "-o", timeOut, process.execPath, ...args] : args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...EXTRA_ENV },
  });
  let stdout = "";
  let summaryAt = null; // the summary is printed once everything is written (and indexed)
  child.stdout.setEncoding("utf8").on("data", (s) => {
    summaryAt ??= (performance.now() - started) / 1000;
    stdout += s;
  });
  const progress = []; // { t, variants }
  let errText = "";
  child.stderr.setEncoding("utf8").on("data", (s) => {
    errText += s;
    let nl;
    while ((nl = errText.indexOf("\n")) !== -1) {
      const line = errText.slice(0, nl);
      errText = errText.slice(nl + 1);
      const m = PROGRESS.exec(line);
      if (m) progress.push({ t: (performance.now() - started) / 1000, variants: Number(m[1]) });
      else if (line.trim() !== "") process.stderr.write(`  [${level}] ${line}\n`);
    }
  });
  const samples = []; // { t, rss, hwm, cpu } (kB, kB, s)
  const timer = setInterval(() => {
    const pid = nodePid(child.pid, underTime);
    if (pid === null) return;
    const m = memOf(pid);
    if (m === null || m.rss === 0) return; // gone, or a zombie awaiting its parent
    samples.push({ t: (performance.now() - started) / 1000, rss: m.rss, hwm: m.hwm, cpu: cpuOf(pid) ?? Number.NaN });
  }, INTERVAL_MS);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(timer);
      const wall = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`ingest --level ${level} exited with ${code}`));
      let time = null;
      if (underTime && existsSync(timeOut)) {
        time = parseGnuTime(readFileSync(timeOut, "utf8"));
        rmSync(timeOut, { force: true });
      }
      resolve({ summary: JSON.parse(stdout), wall, summaryAt, samples, progress, time });
    });
  });
}

/** Seconds since start at which `variants` had been read, interpolated between progress lines. */
function timeAt(progress, variants) {
  for (let i = 1; i < progress.length; i++) {
    const a = progress[i - 1];
    const b = progress[i];
    if (b.variants >= variants) return a.t + ((b.t - a.t) * (variants - a.variants)) / Math.max(1, b.variants - a.variants);
  }
  return null;
}

/**
 * Seconds since start at which the share `p` (percent) of `total` variants had been read:
 * interpolated between progress lines. Progress lines come every 5 s, so none falls at the
 * end: 100 % is when the summary was printed, less the index build that preceded it.
 */
function timeAtShare(run, total, p) {
  const end = run.summaryAt === null ? null : run.summaryAt - (run.summary.index?.seconds ?? 0);
  if (p >= 100) return end;
  return timeAt(end === null ? run.progress : [...run.progress, { t: end, variants: total }], (total * p) / 100);
}

/** Where the highest RSS sample fell: at which share of the variants, in the index build, or after the summary. */
function peakPhase(run, total, readDone) {
  const top = run.samples.reduce((a, b) => (b.rss > a.rss ? b : a), run.samples[0]);
  if (top === undefined) return "none";
  const at = `${mb(top.rss)} MB at ${top.t.toFixed(1)} s`;
  if (run.summaryAt !== null && top.t > run.summaryAt) return `${at}, after the summary`;
  if (readDone !== null && top.t > readDone) return `${at}, in the index build`;
  const points = readDone === null ? run.progress : [...run.progress, { t: readDone, variants: total }];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (b.t >= top.t) return `${at}, at ${((100 * (a.variants + ((b.variants - a.variants) * (top.t - a.t)) / Math.max(1e-9, b.t - a.t))) / total).toFixed(0)} % of the variants`;
  }
  return at;
}

/** RSS (MB) of the last sample at or before `t`. */
function rssAt(samples, t) {
  let best = null;
  for (const s of samples) if (s.t <= t) best = s;
  return best === null ? null : mb(best.rss);
}

const gitCommit = (() => {
  try {
    const head = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["-C", root, "status", "--porcelain", "--untracked-files=no", "src"], { encoding: "utf8" }).trim();
    return dirty === "" ? head : `${head} (+ uncommitted changes in src/)`;
  } catch {
    return "unknown";
  }
})();

requireBuild();
const file = generatedVcf(N, Number(values.seed));
console.log(
  `# vcf-agent ingest at each level: ${path.basename(file)} (gen_vcf.py --n ${N} --seed ${values.seed}); commit ${gitCommit}; ` +
    `node ${process.version}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}; sampling every ${INTERVAL_MS} ms; ` +
    `GNU time ${existsSync(GNU_TIME) ? "yes" : "no (apt-get install -y time)"}${Object.keys(EXTRA_ENV).length ? `; env ${JSON.stringify(EXTRA_ENV)}` : ""}`,
);
const rows = [];
for (const level of LEVELS) {
  const db = path.join(tmpdir(), `vcf-agent-bench-levels-${level}-${process.pid}`);
  rmSync(db, { recursive: true, force: true });
  const loadBefore = loadAverage();
  const r = await runIngest(file, db, level);
  const loadAfter = loadAverage();
  const s = r.summary;
  const cpuSeconds = r.time ? r.time.user + r.time.sys : (r.samples.at(-1)?.cpu ?? Number.NaN);
  const processed = s.variantsRead - s.resumedFrom;
  const hwm = Math.max(0, ...r.samples.map((x) => x.hwm));
  const readDone = timeAtShare(r, s.variantsRead, 100);
  // The share of variants read → RSS then (and the highest RSS up to then).
  const marks = [];
  for (let p = 10; p <= 100; p += 10) {
    const t = timeAtShare(r, s.variantsRead, p);
    marks.push({ p, t, rss: t === null ? null : rssAt(r.samples, t), max: t === null ? null : mb(Math.max(0, ...r.samples.filter((x) => x.t <= t).map((x) => x.rss))) });
  }
  const maxIn = (from, to) => {
    const xs = r.samples.filter((x) => x.t >= from && x.t <= to);
    return xs.length ? mb(Math.max(...xs.map((x) => x.rss))) : null;
  };
  const t90 = marks.find((m) => m.p === 90)?.t ?? null;
  const indexSeconds = s.index?.seconds ?? null;
  // The index build is the last phase before the summary: the samples in its final seconds.
  const indexSamples = indexSeconds === null || r.summaryAt === null ? [] : r.samples.filter((x) => x.t >= r.summaryAt - indexSeconds && x.t <= r.summaryAt);
  const row = {
    level,
    variants: processed,
    tableRows: s.tableRows,
    dims: s.dims,
    seconds: s.seconds,
    wall: r.wall,
    variantsPerSecond: s.variantsPerSecond,
    cpuSeconds,
    perCpuSecond: Math.round(processed / cpuSeconds),
    peakTime: r.time ? mb(r.time.maxRssKb) : null,
    peakHwm: mb(hwm),
    peakSummary: s.peakRssMb,
    index: s.index,
    indexRssMax: indexSamples.length ? mb(Math.max(...indexSamples.map((x) => x.rss))) : null,
    last10Max: t90 === null || readDone === null ? null : maxIn(t90, readDone),
    closingMax: r.summaryAt === null ? null : maxIn(r.summaryAt, r.wall),
    peakAt: peakPhase(r, s.variantsRead, readDone),
    marks,
    loadBefore,
    loadAfter,
    samples: r.samples.length,
  };
  rows.push(row);
  console.log(
    `level=${level} variants=${processed} tableRows=${s.tableRows} dims=${s.dims} seconds=${s.seconds} wall=${r.wall.toFixed(1)} ` +
      `variantsPerSecond=${s.variantsPerSecond} cpuSeconds=${cpuSeconds.toFixed(1)} variantsPerCpuSecond=${row.perCpuSecond} ` +
      `peakRssMbTime=${row.peakTime ?? "n/a"} peakRssMbHwm=${row.peakHwm} peakRssMbSummary=${row.peakSummary} ` +
      `index=${s.index ? `${s.index.type}:${s.index.seconds.toFixed(1)}s` : "none"} load=${loadBefore}→${loadAfter} samples=${r.samples.length}`,
  );
  console.log(`  rss-by-variants-read ${marks.map((m) => `${m.p}%=${m.rss ?? "?"}`).join(" ")} (MB)`);
  console.log(`  rss-max-so-far       ${marks.map((m) => `${m.p}%=${m.max ?? "?"}`).join(" ")} (MB)`);
  console.log(
    `  max RSS from 90 % to 100 % of the variants: ${row.last10Max ?? "?"} MB` +
      (indexSeconds === null ? "" : `; during the index build (${indexSeconds.toFixed(1)} s): ${row.indexRssMax} MB`) +
      `; from the summary to exit: ${row.closingMax ?? "?"} MB; highest sample ${row.peakAt}`,
  );
  if (values.series) {
    mkdirSync(values.series, { recursive: true });
    const out = path.join(values.series, `levels-${level}.json`);
    writeFileSync(out, JSON.stringify({ level, summaryAt: r.summaryAt, wall: r.wall, index: s.index, progress: r.progress, samples: r.samples }));
    console.log(`  series written to ${out}`);
  }
  if (!values.keep) rmSync(db, { recursive: true, force: true });
  else console.log(`  kept ${db}`);
}

console.log("\n| level | dims | variants/s (wall) | variants per CPU-s | CPU-s | peak RSS (GNU time) | VmHWM sampled | index build | load avg before → after |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.level} | ${r.dims} | ${r.variantsPerSecond} | ${r.perCpuSecond} | ${r.cpuSeconds.toFixed(1)} | ${r.peakTime ?? "n/a"} MB | ${r.peakHwm} MB | ` +
      `${r.index ? `${r.index.type} ${r.index.seconds.toFixed(1)} s (max RSS ${r.indexRssMax} MB)` : "none"} | ${r.loadBefore.split(" ")[0]} → ${r.loadAfter.split(" ")[0]} |`,
  );
}
console.log(`\nRSS (MB) when the given share of the ${rows[0]?.variants ?? N} variants had been read:\n`);
console.log(`| level | ${rows[0]?.marks.map((m) => `${m.p} %`).join(" | ")} | max 90–100 % | index build max | highest sample |`);
console.log(`|---|${rows[0]?.marks.map(() => "---").join("|")}|---|---|---|`);
for (const r of rows) {
  console.log(`| ${r.level} | ${r.marks.map((m) => m.rss ?? "?").join(" | ")} | ${r.last10Max ?? "?"} | ${r.indexRssMax ?? "–"} | ${r.peakAt} |`);
}
