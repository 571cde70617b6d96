// Shared by the crash-safety runs: the cached generated input, the reader's own view of
// it (`vcf-agent describe`), the built CLI as a child process, and small table reads.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as lancedb from "@lancedb/lancedb";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const cli = join(root, "dist", "cli", "main.js");
export const dataDir = join(root, "bench", "data", "crash");
const generator = resolve(root, "..", "shared", "tools", "gen_vcf.py");

/** `gen_vcf.py --n N --seed S | gzip`, generated once into bench/data/crash/. */
export function generatedVcf(n, seed) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `gen_n${n}_s${seed}.vcf.gz`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    execFileSync("sh", ["-c", `python3 "${generator}" --n ${n} --seed ${seed} | gzip -c > "${tmp}"`]);
    renameSync(tmp, file); // a cut generation never passes for the cached file
  }
  return file;
}

/**
 * The reader's view of `file`: variant ids in file order, repeats included, from
 * `vcf-agent describe` (cached beside the file, keyed by its size and mtime).
 */
export function fileVariantIds(file) {
  const st = statSync(file);
  const cache = `${file}.ids-${st.size}-${Math.floor(st.mtimeMs)}.txt`;
  if (existsSync(cache)) return readFileSync(cache, "utf8").split("\n").filter(Boolean);
  const out = execFileSync(process.execPath, [cli, "describe", file], { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "ignore"] });
  const ids = [];
  for (const line of out.split("\n")) if (line.length > 0) ids.push(JSON.parse(line).variantId);
  writeFileSync(cache, ids.join("\n") + "\n");
  return ids;
}

/** Starts the built CLI; collects its output; `done` resolves with how it ended. */
export function startCli(args, { env = {} } = {}) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, VCF_AGENT_DEBUG: "", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s) => (stderr += s));
  const done = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

/** Rows of `table` in `db`, or 0 when the table does not exist (or cannot be opened: `error`). */
export async function countRows(db, table = "variants") {
  if (!existsSync(join(db, `${table}.lance`))) return { rows: 0 };
  const conn = await lancedb.connect(db);
  try {
    const t = await conn.openTable(table);
    const rows = await t.countRows();
    t.close();
    return { rows };
  } catch (e) {
    return { rows: 0, error: e.message.split("\n")[0].slice(0, 200) };
  } finally {
    conn.close();
  }
}

/** Every stored variant_id, in storage order. */
export async function storedIds(db, table = "variants") {
  const conn = await lancedb.connect(db);
  try {
    const t = await conn.openTable(table);
    const ids = [];
    for await (const batch of t.query().select(["variant_id"])) {
      const col = batch.getChild("variant_id");
      for (let i = 0; i < col.length; i++) ids.push(col.get(i));
    }
    t.close();
    return ids;
  } finally {
    conn.close();
  }
}

/** The parsed checkpoint of the (single) input ingested into `table`, or null. */
export function readCheckpoint(db, table = "variants") {
  const dir = join(db, `${table}.checkpoints`);
  if (!existsSync(dir)) return null;
  const f = readdirSync(dir).find((n) => n.endsWith(".json"));
  if (f === undefined) return null;
  try {
    return JSON.parse(readFileSync(join(dir, f), "utf8"));
  } catch {
    return null; // caught between writing and renaming: the previous one is not there either
  }
}

/** Committed table versions (manifests) of `table`. */
export function manifests(db, table = "variants") {
  const dir = join(db, `${table}.lance`, "_versions");
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".manifest")).length : 0;
}

/** The 1-minute load average, as every published figure carries it. */
export function load1() {
  return loadavg()[0].toFixed(2);
}

/** `uptime`'s load averages as text. */
export function loadText() {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Seconds with one decimal. */
export const secs = (ms) => (ms / 1000).toFixed(1);
