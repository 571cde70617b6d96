// The service under test for bench/serve.mjs and bench/soak.mjs: a generated table built
// once with the CLI (the path users take) into bench/data/serve/, and `vcf-agent serve`
// started in its own process, so its RSS is its own.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { cli, dataDir, root } from "./_proc.mjs";

const gen = join(root, "..", "shared", "tools", "gen_vcf.py");
const run = (argv) => execFileSync(process.execPath, [cli, ...argv], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

/**
 * The table of `gen_vcf.py --n N --seed 7` (standard level, PCA 1536 → 768) with the given
 * ANN index (`ivf_rq`, `ivf_pq` or `none`), built on first use; returns its db and stats.
 */
export function prepareTable({ n = 100_000, index = "ivf_rq" } = {}) {
  const dir = join(dataDir, "serve");
  const vcf = join(dir, `gen${n / 1000}k_seed7.vcf`);
  const db = join(dir, `db-${n / 1000}k-${index}`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(vcf)) execFileSync("sh", ["-c", `python3 "${gen}" --n ${n} --seed 7 > "${vcf}"`]);
  let stats = existsSync(db) ? JSON.parse(run(["stats", "--db", db, "--format", "json"])) : { exists: false };
  if (!stats.exists) {
    console.error(`building the table: vcf-agent ingest ${vcf} --db ${db}`);
    const t0 = Date.now();
    run(["ingest", vcf, "--db", db, "--quiet", "--format", "json"]);
    if (index !== "none") run(["index", "create", "--type", index, "--db", db]);
    console.error(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    stats = JSON.parse(run(["stats", "--db", db, "--format", "json"]));
  }
  return { db, vcf, stats };
}

/** A table built elsewhere, with its stats; throws when there is none at `db`. */
export function existingTable(db) {
  const stats = JSON.parse(run(["stats", "--db", db, "--format", "json"]));
  if (!stats.exists) throw new Error(`BENCH_SERVE_DB=${db}: no table there`);
  return { db, stats };
}

/**
 * Starts `vcf-agent serve --db DB --port 0 ARGS…` and resolves once it listens, with its
 * base URL and child process. `onStdout` receives its log output (JSON lines).
 */
export async function startServe(db, { args = [], env = {}, onStdout } = {}) {
  // BENCH_SERVE_NODE_ARGS: flags for the service's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_SERVE_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const argv = [...nodeArgs, cli, "serve", "--db", db, "--port", "0", ...args];
  const server = spawn(process.execPath, argv, { stdio: ["ignore", onStdout ? "pipe" : "ignore", "pipe"], env: { ...process.env, ...env } });
  if (onStdout) server.stdout.on("data", onStdout);
  const base = await new Promise((resolve, reject) => {
    let err = "";
    server.stderr.on("data", (c) => {
      err += c;
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) resolve(m[1]);
    });
    server.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { base, server };
}

/** SIGTERM, then waits for the exit. */
export async function stopServe(server) {
  if (server.exitCode !== null) return;
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await exited;
}
