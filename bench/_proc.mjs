// Measuring a child process from outside, for the benchmarks: memory and CPU from /proc,
// GNU time's report, the generated inputs they run on, and the least-squares slope the
// soak reports. Not part of the library.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const cli = path.join(root, "dist", "cli", "main.js");
export const dataDir = path.join(root, "bench", "data");
const generator = path.resolve(root, "../shared/tools/gen_vcf.py");

/** GNU time, when installed (`apt-get install -y time`): its maximum resident set is the kernel's own figure. */
export const GNU_TIME = "/usr/bin/time";

/** Throws unless `npm run build` has produced the CLI. */
export function requireBuild() {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
}

/** bench/data/gen<N>_seed<S>.vcf.gz, generated once (deterministic: same arguments, same bytes). */
export function generatedVcf(n, seed) {
  const size = n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}m` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
  const file = path.join(dataDir, `gen${size}_seed${seed}.vcf.gz`);
  if (existsSync(file)) return file;
  mkdirSync(dataDir, { recursive: true });
  process.stderr.write(`generating ${file} …\n`);
  const tmp = `${file}.${process.pid}.tmp`;
  execFileSync("sh", ["-c", `python3 "${generator}" --n ${n} --seed ${seed} | gzip -c > "${tmp}"`], { stdio: ["ignore", "ignore", "inherit"] });
  renameSync(tmp, file);
  return file;
}

/** VmRSS, VmHWM, RssAnon, RssFile (kB) of a pid, or null once it is gone. */
export function memOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? 0);
    return { rss: kb("VmRSS"), hwm: kb("VmHWM"), anon: kb("RssAnon"), file: kb("RssFile") };
  } catch {
    return null;
  }
}

/** utime + stime of a pid in seconds, or null once it is gone. */
export function cpuOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; 100 Hz on Linux
  } catch {
    return null;
  }
}

/** The measured process: `pid` itself, or GNU time's child when run under it (null until it exists). */
export function nodePid(pid, underTime) {
  if (!underTime) return pid;
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    return kids.length > 0 ? Number(kids[0]) : null;
  } catch {
    return null;
  }
}

/**
 * Resident memory of a pid by kind of mapping (MB), from /proc/<pid>/smaps: `brk` the main
 * thread's malloc heap ([heap]), `arenas` glibc's per-thread malloc arenas (anonymous
 * mappings aligned to their 64 MiB size), `anon` the other anonymous memory (V8's heap,
 * WebAssembly memories, large mmap'd buffers), `file` mapped files (code, data files).
 */
export function smapsGroups(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  } catch {
    return null;
  }
  const groups = { brk: 0, arenas: 0, anon: 0, file: 0 };
  let kind = "anon";
  for (const line of text.split("\n")) {
    const head = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[2];
      if (name === "[heap]") kind = "brk";
      else if (name.startsWith("/")) kind = "file";
      else if (name === "" && BigInt(`0x${head[1]}`) % (64n << 20n) === 0n) kind = "arenas";
      else kind = "anon";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) groups[kind] += Number(rss[1]) / 1024;
  }
  return groups;
}

/** True when `pid` has `file` (an absolute real path) open now. */
export function hasOpen(pid, file) {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) return true;
      } catch {
        // closed between the listing and the link
      }
    }
  } catch {
    // the process is gone
  }
  return false;
}

/** GNU time -v output: maximum resident set (kB), user and system seconds. */
export function parseGnuTime(text) {
  const num = (label) => Number(new RegExp(`${label}:\\s+([\\d.]+)`).exec(text)?.[1] ?? NaN);
  return { maxRssKb: num("Maximum resident set size \\(kbytes\\)"), user: num("User time \\(seconds\\)"), sys: num("System time \\(seconds\\)") };
}

/** The 1-, 5- and 15-minute load averages as printed by uptime. */
export function loadAverage() {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

/**
 * Least-squares line through (x, y) points: slope, intercept and the slope's standard
 * error (from the residuals; NaN with fewer than three points).
 */
export function leastSquares(points) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (const p of points) sse += (p.y - (intercept + slope * p.x)) ** 2;
  const se = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Number.NaN;
  return { slope, intercept, se };
}

export const mb = (kb) => Math.round(kb / 1024);
