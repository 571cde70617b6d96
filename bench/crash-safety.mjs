// Crash safety of ingest and serve, on a generated 200k-record file.
//
//   npm run crash-safety                        # both modes, defaults below
//   npm run crash-safety -- --mode ingest --n 200000 --kills 20 --seed 1
//   npm run crash-safety -- --mode serve --rounds 6 --seed 2
//   npm run crash-safety -- --mode faults      # disk full, read-only db, embedding-server faults
//
// ingest: `vcf-agent ingest` is killed with SIGKILL at --kills seeded-random moments
//   (bench/crash/ingest-kills.mjs), rerun after each, and run to completion at the end.
// serve: `vcf-agent serve` gets SIGTERM while running a POST /v1/ingest job, --rounds
//   times; each restart re-sends the same bytes and the job resumes; the last one completes.
// faults: each fault mid-file, then removed and the ingest rerun (bench/crash/faults.mjs); the
//   storage faults run in a private mount namespace (the script re-runs itself under unshare).
// Then the table is checked against the file's own variant set (bench/crash/verify.mjs):
// row count, variant_id set, no duplicates, every vector of the table's width and finite,
// checkpoint complete, PCA model consistent with the stored vectors. Exit 1 on any failure.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileVariantIds, generatedVcf, load1, loadText, root } from "./crash/_common.mjs";
import { diskFull, providerFault, readOnly } from "./crash/faults.mjs";
import { killRow, planKills, runIngestKills } from "./crash/ingest-kills.mjs";
import { planRounds, runServeRounds } from "./crash/serve-rounds.mjs";
import { verifyExact } from "./crash/verify.mjs";

const { values: opt } = parseArgs({
  options: {
    mode: { type: "string", default: "both" },
    n: { type: "string", default: "200000" },
    "gen-seed": { type: "string", default: "42" },
    kills: { type: "string", default: "20" },
    rounds: { type: "string", default: "6" },
    seed: { type: "string", default: "1" },
    keep: { type: "boolean", default: false },
    "in-namespace": { type: "boolean", default: false },
  },
});
const positive = (name) => {
  const v = Number(opt[name]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`option --${name}: expected a positive integer, got '${opt[name]}'`);
  return v;
};
if (!["ingest", "serve", "both", "faults"].includes(opt.mode)) throw new Error(`option --mode: expected ingest, serve, both or faults, got '${opt.mode}'`);
if (opt.mode === "faults" && !opt["in-namespace"]) {
  // Mounts made for the storage faults must not outlive the run: do it all in a private mount namespace.
  const probe = 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d" && rmdir "$d"';
  const prefix = [["-m"], ["-Urm"]].find((p) => spawnSync("unshare", [...p, "sh", "-c", probe]).status === 0);
  if (prefix === undefined) throw new Error("--mode faults needs a private mount namespace (unshare -m or -Urm) where tmpfs can be mounted");
  const r = spawnSync("unshare", [...prefix, process.execPath, ...process.argv.slice(1), "--in-namespace"], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
const n = positive("n");
const seed = positive("seed");
const { mulberry32 } = await import(join(root, "dist", "util", "random.js"));

const t0 = Date.now();
const file = generatedVcf(n, positive("gen-seed"));
const fileIds = fileVariantIds(file);
const distinct = new Set(fileIds).size;
console.log(`# crash safety: ${file}`);
console.log(`${n} records, ${fileIds.length} variants (${distinct} distinct); seed ${seed}; load average at start ${loadText()}`);
const work = mkdtempSync(join(tmpdir(), "vcf-agent-crash-"));
const failures = [];

function printChecks(checks) {
  for (const c of checks) console.log(`  ${c.ok ? "ok  " : "FAIL"} ${c.check}: ${c.detail}`);
  for (const c of checks) if (!c.ok) failures.push(`${c.check}: ${c.detail}`);
}

if (opt.mode === "faults") {
  console.log("\n## faults mid-file: the fault, then a rerun with the fault removed\n");
  const runs = [
    // ~3.1 kB per 768-d row on disk: room for ~40 % of the table (plus the model), then plenty.
    () => diskFull({ file, fileIds, work, sizeMb: Math.round(6 + 0.4 * distinct * 0.0031), bigMb: Math.round(64 + 3 * distinct * 0.0031) }),
    () => readOnly({ file, fileIds, work, fraction: 0.3 }),
    () => providerFault({ file, fileIds, work, fraction: 0.4, fault: "500" }),
    () => providerFault({ file, fileIds, work, fraction: 0.6, fault: "hang" }),
  ];
  for (const run of runs) {
    const r = await run();
    const f = r.failed;
    console.log(`### ${r.scenario}`);
    console.log(`- failing run: exit ${f.exit} after ${f.seconds.toFixed(1)} s; table ${f.rows} rows, ${f.prefixOk ? "a prefix of the file" : "NOT a prefix"}; checkpoint ${f.checkpoint ? `${f.checkpoint.committed} committed, ${f.checkpoint.tableRows} rows` : "none"}; load average ${load1()}`);
    console.log(`- what the user sees: \`${f.error}\``);
    console.log(`- rerun: exit ${r.rerun.exit} in ${r.rerun.seconds.toFixed(1)} s, resumed after ${r.rerun.resumedFrom}${r.rerun.error ? `: ${r.rerun.error}` : ""}`);
    printChecks(r.checks);
    if (f.exit === 0 || f.exit === null) failures.push(`${r.scenario}: the failing run did not fail (exit ${f.exit})`);
    if (!f.prefixOk) failures.push(`${r.scenario}: the table is not a prefix of the file after the fault`);
    if (r.rerun.exit !== 0) failures.push(`${r.scenario}: rerun exited ${r.rerun.exit}`);
    console.log("");
  }
}

if (opt.mode === "ingest" || opt.mode === "both") {
  const kills = positive("kills");
  const db = join(work, "ingest-db");
  const plan = planKills(kills, mulberry32(seed));
  console.log(`\n## ingest: ${kills} SIGKILLs, then a run to completion (db ${db})\n`);
  console.log("| kill | at (s into the run) | phase | rows at kill | rows after the next run | table after the kill |");
  console.log("|---|---|---|---|---|---|");
  const t = Date.now();
  const rows = [];
  const notes = [];
  const res = await runIngestKills({
    file,
    fileIds,
    db,
    plan,
    random: mulberry32(seed ^ 0x9e3779b9),
    log: (r) => {
      if (r.recovery) notes.push(r.recovery);
      else rows.push(r);
    },
  });
  for (const r of rows) console.log(killRow(r));
  for (const note of notes) console.log(`\nrecovery: ${note}`);
  failures.push(...res.failures);
  const s = res.final.summary;
  console.log(
    `\nfinal run: exit ${res.final.code}, ${res.final.seconds.toFixed(1)} s` +
      (s ? `, resumed after ${s.resumedFrom}, wrote ${s.variantsWritten} (${s.writes.appends} appends, ${s.writes.lookups} after a look-up, ${s.writes.merges} merges), table ${s.tableRows} rows` : `: ${res.final.stderr.trim()}`),
  );
  console.log(`ingest mode: ${((Date.now() - t) / 1000).toFixed(1)} s with ${kills} kills; load average ${load1()}`);
  printChecks(await verifyExact(db, fileIds));
}

if (opt.mode === "serve" || opt.mode === "both") {
  const rounds = positive("rounds");
  const db = join(work, "serve-db");
  const plan = planRounds(rounds, mulberry32(seed + 1));
  console.log(`\n## serve: ${rounds} SIGTERMs during a POST /v1/ingest job, restart and re-send each time (db ${db})\n`);
  console.log("| round | upload reused | stop | job phase | exit | stop took (ms) | rows | checkpoint rows | prefix |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  const t = Date.now();
  const res = await runServeRounds({
    file,
    fileIds,
    db,
    plan,
    log: (r) => {
      if (r.phase === undefined) return;
      console.log(`| ${r.round} | ${r.reused} | ${r.stop} | ${r.phase} | ${r.exit} | ${r.stopMs} | ${r.rows} | ${r.checkpointRows} | ${r.prefixOk ? "ok" : "FAIL"} |`);
    },
  });
  const last = res.rounds[res.rounds.length - 1];
  if (last?.state !== undefined) {
    console.log(
      `\nfinal job: ${last.state} in ${last.seconds.toFixed(1)} s, upload reused ${last.reused}, resumed after ${last.resumedFrom}, ` +
        `table ${last.rows} rows, ${last.uploadsLeft} entries left in uploads/, serve exit ${last.exit}`,
    );
  }
  failures.push(...res.failures);
  console.log(`serve mode: ${((Date.now() - t) / 1000).toFixed(1)} s with ${rounds} stops; load average ${load1()}`);
  printChecks(await verifyExact(db, fileIds));
}

console.log(`\nverdict: ${failures.length === 0 ? "PASS" : "FAIL"} — total ${((Date.now() - t0) / 1000).toFixed(1)} s; load average ${loadText()}`);
for (const f of failures) console.log(`  - ${f}`);
if (!opt.keep) rmSync(work, { recursive: true, force: true });
process.exitCode = failures.length === 0 ? 0 : 1;
