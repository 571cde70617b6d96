// Ingest benchmark: the real CLI (`vcf-agent ingest`) as a child process on generated
// ClinVar-style files of 100k and 1M records (gen_vcf.py --seed 7, gzip; cached in
// bench/data/), at `standard` with the local provider. Reports variants/s (wall and per
// CPU-second: the machine is shared, so CPU time is the steadier figure), peak RSS
// measured from outside (VmHWM/VmRSS sampled from /proc every 100 ms, and GNU time's
// maximum resident set when /usr/bin/time exists) and from inside (the summary's peak
// RSS), RSS growth from 100k to 1M, and the targets beside the seed system's baseline.
//
// Usage: npm run bench:ingest [-- --n 100000] [--level standard] [--keep] [--env MALLOC_ARENA_MAX=2]
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { GNU_TIME as TIME, cli, cpuOf, generatedVcf, mb, memOf, nodePid, parseGnuTime, requireBuild } from "./_proc.mjs";

const { values } = parseArgs({
  options: {
    n: { type: "string", multiple: true },
    level: { type: "string", default: "standard" },
    seed: { type: "string", default: "7" },
    keep: { type: "boolean", default: false },
    env: { type: "string", multiple: true },
    config: { type: "string" },
  },
});
const SIZES = (values.n ?? ["100000", "1000000"]).map(Number);
const SEED = Number(values.seed);
const EXTRA_ENV = Object.fromEntries((values.env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));

/** The seed system's measured ingest rate (its stated baseline), for comparison. */
const SEED_VARIANTS_PER_SECOND = 27.6;
const TARGET = { variantsPerSecond: 25_000, peakRssMb: 300, growthPercent: 10 };

/** Runs one ingest; resolves with the summary and the outside measurements. */
function runIngest(file, db) {
  const underTime = existsSync(TIME);
  const timeOut = path.join(tmpdir(), `vcf-agent-bench-time-${process.pid}.txt`);
  const args = [cli, "ingest", file, "--db", db, "--level", values.level, "--quiet", "--format", "json", ...(values.config ? ["--config", values.config] : [])];
  const cmd = underTime ? TIME : process.execPath;
  const argv = underTime ? ["-v", "-o", timeOut, process.execPath, ...args] : args;
  const started = performance.now();
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...EXTRA_ENV } });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (s) => (stdout += s));
  const samples = { hwm: 0, rssMax: 0, cpu: 0, n: 0, trace: [] };
  const timer = setInterval(() => {
    const pid = nodePid(child.pid, underTime);
    if (pid === null) return;
    const m = memOf(pid);
    const c = cpuOf(pid);
    if (m === null || m.rss === 0) return; // gone, or a zombie awaiting its parent
    samples.hwm = Math.max(samples.hwm, m.hwm);
    samples.rssMax = Math.max(samples.rssMax, m.rss);
    if (c !== null) samples.cpu = c;
    if (samples.n++ % 50 === 0) samples.trace.push(Math.round(m.rss / 1024));
  }, 100);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(timer);
      const wall = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`ingest exited with ${code}`));
      let time = null;
      if (underTime && existsSync(timeOut)) {
        time = parseGnuTime(readFileSync(timeOut, "utf8"));
        rmSync(timeOut, { force: true });
      }
      resolve({ summary: JSON.parse(stdout), wall, samples, time });
    });
  });
}

const line = (name, fields) =>
  console.log(`${name.padEnd(14)} ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(v < 10 ? 2 : 1) : v}`).join(" ")}`);

requireBuild();
console.log(
  `# node ${process.version}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ` +
    `level=${values.level}${Object.keys(EXTRA_ENV).length ? ` env=${JSON.stringify(EXTRA_ENV)}` : ""}; GNU time ${existsSync(TIME) ? "yes" : "no (apt-get install -y time)"}`,
);
const results = [];
for (const n of SIZES) {
  const file = generatedVcf(n, SEED);
  const db = path.join(tmpdir(), `vcf-agent-bench-ingest-${n}`);
  rmSync(db, { recursive: true, force: true });
  const load = loadavg()[0];
  const r = await runIngest(file, db);
  const s = r.summary;
  const cpuSeconds = r.time ? r.time.user + r.time.sys : r.samples.cpu;
  const processed = s.variantsRead - s.resumedFrom;
  const row = {
    n,
    variants: processed,
    rows: s.tableRows,
    seconds: s.seconds,
    wallSeconds: r.wall,
    cpuSeconds,
    perSecond: s.variantsPerSecond,
    perCpuSecond: Math.round(processed / cpuSeconds),
    rssTimeMb: r.time ? mb(r.time.maxRssKb) : null,
    hwmMb: mb(r.samples.hwm),
    summaryPeakMb: s.peakRssMb,
    load,
  };
  results.push(row);
  line("ingest", {
    n,
    variants: processed,
    tableRows: s.tableRows,
    dims: s.dims,
    seconds: s.seconds,
    variantsPerSecond: s.variantsPerSecond,
    cpuSeconds,
    variantsPerCpuSecond: row.perCpuSecond,
    peakRssMbTime: row.rssTimeMb ?? "n/a",
    peakRssMbHwm: row.hwmMb,
    peakRssMbSummary: s.peakRssMb,
    loadBefore: load,
  });
  line("  rss-trace", { mbEvery5s: r.samples.trace.join(",") });
  if (!values.keep) rmSync(db, { recursive: true, force: true });
  else console.log(`  kept ${db}`);
}

console.log("\n| n | variants/s (wall) | variants per CPU-second | peak RSS (GNU time) | VmHWM sampled | summary peak RSS | load before |");
console.log("|---|---|---|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.n} | ${r.perSecond} | ${r.perCpuSecond} | ${r.rssTimeMb ?? "n/a"} MB | ${r.hwmMb} MB | ${r.summaryPeakMb} MB | ${r.load.toFixed(1)} |`);
}
const small = results.find((r) => r.n === 100_000);
const large = results.find((r) => r.n === 1_000_000);
const peak = (r) => r.rssTimeMb ?? r.hwmMb;
console.log(`\nseed system baseline: ${SEED_VARIANTS_PER_SECOND} variants/s`);
for (const r of results) {
  console.log(
    `n=${r.n}: ${(r.perSecond / SEED_VARIANTS_PER_SECOND).toFixed(0)}× the seed (wall); ` +
      `target ≥ ${TARGET.variantsPerSecond} variants/s: wall ${r.perSecond >= TARGET.variantsPerSecond ? "met" : "not met"}, per CPU-second ${r.perCpuSecond >= TARGET.variantsPerSecond ? "met" : "not met"}; ` +
      `target peak RSS ≤ ${TARGET.peakRssMb} MB: ${peak(r) <= TARGET.peakRssMb ? "met" : "not met"} (${peak(r)} MB)`,
  );
}
if (small && large) {
  const growth = (100 * (peak(large) - peak(small))) / peak(small);
  console.log(`RSS growth 100k → 1M: ${peak(small)} → ${peak(large)} MB = ${growth.toFixed(1)} % (target ≤ ${TARGET.growthPercent} %: ${growth <= TARGET.growthPercent ? "met" : "not met"})`);
}
