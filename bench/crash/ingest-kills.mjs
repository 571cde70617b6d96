// SIGKILL the CLI ingest at seeded-random moments spread over the whole run — PCA
// sampling/fit, the model save, the first write (table creation), data files written but
// not committed, commits not yet checkpointed, right after checkpoints, early and late
// writes — rerun each time, and check after every kill that the table holds a prefix of
// the file. The caller verifies the final table against the file's variant set.
import { existsSync, readdirSync, rmSync, watch } from "node:fs";
import { join } from "node:path";
import { countRows, manifests, readCheckpoint, secs, sleep, startCli } from "./_common.mjs";
import { checkPrefix } from "./verify.mjs";

/** Where a write-phase kill lands once `fraction` of the file is committed. */
const EDGES = ["data", "manifest", "checkpoint", "none"];

/**
 * The kill plan: two during PCA training, one as the model is saved, one at the first
 * write, the rest at stratified random fractions of the file, each at an edge of a write.
 */
export function planKills(count, random) {
  const plan = [
    { kind: "training", delayMs: 200 + random() * 1300 },
    { kind: "training", delayMs: 1500 + random() * 2500 },
    { kind: "model-saved" },
    { kind: "write", fraction: 0, edge: "table" },
  ].slice(0, count);
  const rest = count - plan.length;
  const edges = [];
  for (let i = 0; i < rest; i++) edges.push(EDGES[i % EDGES.length]);
  for (let i = edges.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [edges[i], edges[j]] = [edges[j], edges[i]];
  }
  for (let i = 0; i < rest; i++) {
    // The last kill lands among the last writes; the others spread over the file.
    const fraction = i === rest - 1 ? 1 : 0.02 + ((i + random()) / Math.max(1, rest - 1)) * 0.93;
    plan.push({ kind: "write", fraction, edge: i === rest - 1 ? "manifest" : edges[i] });
  }
  return plan;
}

/** The next filesystem event under `dir` (inotify), or null after `timeoutMs`. */
function nextEvent(dir, timeoutMs, accept = () => true) {
  return new Promise((resolve) => {
    let w;
    const t = setTimeout(() => {
      w?.close();
      resolve(null);
    }, timeoutMs);
    try {
      w = watch(dir, (_type, name) => {
        if (!accept(String(name))) return;
        clearTimeout(t);
        w.close();
        resolve(String(name));
      });
    } catch {
      clearTimeout(t);
      resolve(null);
    }
  });
}

/** Waits until `ready()` holds or the child exits; true when ready came first. */
async function until(child, ready, pollMs = 10) {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (ready()) return true;
    await sleep(pollMs);
  }
}

/** What the run was doing when it was killed, from what it left on disk and the kill's trigger. */
function phaseOf(db, trigger, committedAtStart, total) {
  const model = existsSync(join(db, "variants.pca"));
  const table = existsSync(join(db, "variants.lance"));
  const committed = readCheckpoint(db)?.variantsCommitted ?? 0;
  if (!model && !table) return "PCA training (sampling/fit)";
  if (manifests(db) === 0) return table ? "first write (table creation)" : "model saved, before the first write";
  const at = `${((100 * committed) / total).toFixed(0)}% committed`;
  if (trigger === "data") return `data file written, not committed (${at})`;
  if (trigger === "manifest") return `commit made, checkpoint not yet (${at})`;
  if (trigger.startsWith("checkpoint")) return `${trigger} (${at})`;
  if (committed === committedAtStart) return `resuming: skipping the committed prefix (${at})`;
  return `writing (${at})`;
}

/**
 * Runs the plan: one CLI ingest per kill (each resuming the last), then one to completion.
 * @returns per-kill records and the final run's result.
 */
export async function runIngestKills({ file, fileIds, db, plan, random, args = [], log = () => {} }) {
  const total = fileIds.length;
  const ingestArgs = ["ingest", file, "--db", db, ...args];
  const kills = [];
  const failures = [];
  for (let k = 0; k < plan.length; k++) {
    const p = plan[k];
    const startedAt = Date.now();
    const committedAtStart = readCheckpoint(db)?.variantsCommitted ?? 0;
    const run = startCli(ingestArgs);
    let trigger = p.kind;
    let ready;
    if (p.kind === "training") {
      // From the first progress line (the pipeline has started), unless the model comes first.
      ready = await until(run.child, () => run.stderr().includes("ingest: "));
      const t0 = Date.now();
      if (ready) ready = await until(run.child, () => Date.now() - t0 >= p.delayMs || existsSync(join(db, "variants.pca")), 5);
    } else if (p.kind === "model-saved") {
      ready = await until(run.child, () => existsSync(join(db, "variants.pca")), 2);
    } else if (p.edge === "table") {
      ready = await until(run.child, () => existsSync(join(db, "variants.lance")), 1);
      trigger = "table";
    } else {
      // The last kill: within the last five 2,048-row writes (the checkpoint lags the table by one).
      const target = p.fraction >= 1 ? total - 5 * 2048 : Math.floor(p.fraction * total);
      ready = await until(run.child, () => (readCheckpoint(db)?.variantsCommitted ?? 0) >= target, 20);
      if (ready && p.edge !== "none") {
        const dir =
          p.edge === "data" ? join(db, "variants.lance", "data") : p.edge === "manifest" ? join(db, "variants.lance", "_versions") : join(db, "variants.checkpoints");
        const accept = p.edge === "checkpoint" ? (n) => n.endsWith(".json") : p.edge === "manifest" ? (n) => n.endsWith(".manifest") : () => true;
        const event = await nextEvent(dir, 20_000, accept);
        ready = run.child.exitCode === null;
        trigger = event === null ? "none" : p.edge;
        if (trigger === "checkpoint") {
          const jitter = Math.floor(random() * 20);
          await sleep(jitter);
          trigger = `checkpoint written +${jitter} ms`;
        }
      } else trigger = "none";
    }
    const phase = phaseOf(db, trigger, committedAtStart, total);
    const atMs = Date.now() - startedAt;
    run.child.kill("SIGKILL");
    const r = await run.done;
    const rows = (await countRows(db)).rows;
    const prefix = await checkPrefix(db, fileIds);
    const rec = { k: k + 1, atMs, phase, killed: r.signal === "SIGKILL", exit: r.code, rows, prefixOk: prefix.ok, problem: prefix.problem ?? null };
    if (!rec.killed) {
      // The run ended by itself before the kill: an error is a failure, a completed run a planning miss.
      rec.problem = r.code === 0 ? "the run completed before the kill" : `the run failed: ${lastLine(r.stderr)}`;
      if (r.code !== 0) failures.push(`kill ${k + 1}: ${rec.problem}`);
    }
    if (!prefix.ok) failures.push(`kill ${k + 1}: ${prefix.problem}`);
    if (kills.length > 0) kills[kills.length - 1].rowsAfterNext = rows;
    kills.push(rec);
    log(rec);
    await recoverIfStuck(db, rec, failures, log);
  }
  const t0 = Date.now();
  const last = startCli([...ingestArgs, "--format", "json"]);
  const r = await last.done;
  const finalSeconds = (Date.now() - t0) / 1000;
  if (kills.length > 0) kills[kills.length - 1].rowsAfterNext = (await countRows(db)).rows;
  let summary = null;
  if (r.code === 0) summary = JSON.parse(r.stdout);
  else failures.push(`final run exited ${r.code}: ${lastLine(r.stderr)}`);
  return { kills, failures, final: { code: r.code, seconds: finalSeconds, summary, stderr: r.stderr } };
}

/**
 * A table directory without a committed version (a kill or a failure during the write that
 * creates the table) may make every later run refuse the database. Ask the CLI itself
 * (`vcf-agent stats`, which opens the table as ingest does); when it refuses, record the
 * failure and remove the directory — it holds no committed row — so the remaining kills
 * still run. The failure stays in the verdict.
 */
async function recoverIfStuck(db, rec, failures, log) {
  const dir = join(db, "variants.lance");
  if (!existsSync(dir) || manifests(db) > 0) return;
  const probe = await startCli(["stats", "--db", db, "--format", "json"]).done;
  if (probe.code === 0) return;
  const contents = readdirSync(dir, { recursive: true }).join(", ");
  const msg = `kill ${rec.k}: ${dir} left without a committed version (holds: ${contents}); the next run is refused: ${lastLine(probe.stderr)}`;
  failures.push(msg);
  rmSync(dir, { recursive: true, force: true });
  log({ recovery: `${msg} — removed it by hand to go on` });
}

function lastLine(text) {
  const lines = text.trim().split("\n");
  return (lines[lines.length - 1] ?? "").slice(0, 300);
}

/** Formats one kill record as a table row. */
export function killRow(r) {
  return `| ${r.k} | ${secs(r.atMs)} | ${r.phase} | ${r.rows} | ${r.rowsAfterNext ?? "–"} | ${r.prefixOk && r.killed ? "ok" : r.problem ?? "?"} |`;
}
