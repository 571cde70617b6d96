// Crash safety of ingest and serve, on a generated 200k-record file.
//
//   npm run crash-safety                        # both modes, defaults below
//   npm run crash-safety -- --mode ingest --n 200000 --kills 20 --seed 1
//   npm run crash-safety -- --mode serve --rounds 6 --seed 2
//
// ingest: `vcf-agent ingest` is killed with SIGKILL at --kills seeded-random moments
//   (bench/crash/ingest-kills.mjs), rerun after each, and run to completion at the end.
// serve: `vcf-agent serve` gets SIGTERM while running a POST /v1/ingest job, --rounds
//   times; each restart re-sends the same bytes and the job resumes; the last one completes.
// Then the table is checked against the file's own variant set (bench/crash/verify.mjs):
// row count, variant_id set, no duplicates, every vector of the table's width and finite,
// checkpoint complete, PCA model consistent with the stored vectors. Exit 1 on any failure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileVariantIds, generatedVcf, load1, loadText, root } from "./crash/_common.mjs";
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
  },
});
const positive = (name) => {
  const v = Number(opt[name]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`option --${name}: expected a positive integer, got '${opt[name]}'`);
  return v;
};
if (!["ingest", "serve", "both"].includes(opt.mode)) throw new Error(`option --mode: expected ingest, serve or both, got '${opt.mode}'`);
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

if (opt.mode !== "serve") {
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
      (s ? `, resumed after ${s.resumedFrom}, wrote ${s.variantsWritten} (${s.writes.appends} appends, ${s.writes.merges} merges), table ${s.tableRows} rows` : `: ${res.final.stderr.trim()}`),
  );
  console.log(`ingest mode: ${((Date.now() - t) / 1000).toFixed(1)} s with ${kills} kills; load average ${load1()}`);
  printChecks(await verifyExact(db, fileIds));
}

if (opt.mode !== "ingest") {
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
