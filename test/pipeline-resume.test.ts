// Resumability: the CLI is killed (SIGKILL) at several moments of an ingest of ~60k
// variants, or stopped with SIGINT, then rerun; the table must end up holding exactly
// the file's variant set (count, no repeated variant_id, every id of the reader's view,
// one width). After every stop the table must hold a prefix of the file.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSessionConfig } from "../src/config.js";
import { ingestVcf } from "../src/pipeline/ingest.js";
import { VariantStore } from "../src/store/index.js";
import { cli, describeIds, distinct, generateVcf, ingestJson, readCheckpoints, readTable, sorted, tempDir } from "./_pipeline-helpers.js";

const dir = tempDir("pipeline-resume");
let file: string;
let fileIds: string[]; // file order, repeats included
let ids: string[]; // distinct

beforeAll(() => {
  file = generateVcf(dir, 57_000, 11);
  fileIds = describeIds(file);
  ids = distinct(fileIds);
}, 300_000);

// Tables of these sizes take hundreds of MB: leave nothing behind.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startIngest(db: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [cli, "ingest", file, "--db", db, "--quiet"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Polls every 25 ms until `ready()` or the child exits; true when ready came first. */
async function waitFor(child: ChildProcess, ready: () => boolean, timeoutMs = 600_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (ready()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("timed out waiting for the ingest");
}

const committed = (db: string): number => readCheckpoints(db)[0]?.variantsCommitted ?? 0;

/** The table holds the distinct ids of some prefix of the file, each once; returns that prefix's length. */
async function expectPrefix(db: string): Promise<number> {
  if (!existsSync(path.join(db, "variants.lance"))) return 0;
  const t = await readTable(db, "variants", 50);
  expect(new Set(t.ids).size).toBe(t.ids.length); // no variant_id twice
  expect(t.dims).toBe(768);
  const stored = new Set(t.ids);
  let m = 0;
  while (m < fileIds.length && stored.has(fileIds[m]!)) m++;
  expect(distinct(fileIds.slice(0, m)).length).toBe(stored.size);
  return m;
}

async function expectExactlyTheFile(db: string): Promise<void> {
  const t = await readTable(db, "variants", 2000);
  expect(t.ids.length).toBe(ids.length);
  expect(new Set(t.ids).size).toBe(t.ids.length);
  expect(sorted(t.ids)).toEqual(sorted(ids));
  expect(t.dims).toBe(768);
  for (const v of t.vectors) expect(v.length).toBe(768);
}

describe("resumable ingest", () => {
  it("ends with exactly the file's variants after SIGKILLs during training, right after the fit, and after commits", async () => {
    expect(fileIds.length).toBeGreaterThan(55_000);
    const db = path.join(dir, "kill-db");
    const moments: [string, (child: ChildProcess) => Promise<boolean>][] = [
      ["while collecting training samples", async (child) => waitFor(child, () => false, 1200).catch(() => true)],
      ["as soon as the PCA model is saved", async (child) => waitFor(child, () => existsSync(path.join(db, "variants.pca")))],
      ["after ≥ 10,000 committed", async (child) => waitFor(child, () => committed(db) >= 10_000)],
      ["after ≥ 30,000 committed", async (child) => waitFor(child, () => committed(db) >= 30_000)],
    ];
    const prefixes: number[] = [];
    for (const [moment, wait] of moments) {
      const run = startIngest(db);
      const ready = await wait(run.child);
      run.child.kill("SIGKILL");
      const r = await run.done;
      // A run that finished before the kill would make the test meaningless.
      expect(ready, `${moment}: ingest ended first: ${r.stderr}`).toBe(true);
      expect(r.signal).toBe("SIGKILL");
      prefixes.push(await expectPrefix(db));
    }
    expect(prefixes[3]).toBeGreaterThanOrEqual(30_000);
    const last = startIngest(db);
    const r = await last.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/resumed after \d+/);
    await expectExactlyTheFile(db);
    // And a rerun of a complete ingest adds nothing.
    const again = ingestJson([file, "--db", db]);
    expect(again.variantsWritten).toBe(0);
  }, 1_800_000);

  it("stops on SIGINT after the current batch (exit 130, says how to resume) and resumes by appending", async () => {
    const db = path.join(dir, "sigint-db");
    const run = startIngest(db);
    expect(await waitFor(run.child, () => committed(db) >= 8_000)).toBe(true);
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/stopping after the current batch/);
    expect(r.stdout).toMatch(/^interrupted /);
    expect(r.stdout).toMatch(/rerun the same command to resume/);
    const m = await expectPrefix(db);
    // A graceful stop commits what it embedded and records it: the checkpoint matches the table.
    const cp = readCheckpoints(db)[0]!;
    expect(cp.complete).toBe(false);
    expect(cp.variantsCommitted).toBeGreaterThanOrEqual(m);
    expect(cp.tableRows).toBe((await readTable(db, "variants", 1)).ids.length);
    const s = ingestJson([file, "--db", db]);
    expect(s.resumedFrom).toBe(cp.variantsCommitted);
    // The checkpoint still describes the table, so the rest is appended, not merged.
    expect(s.writes).toMatchObject({ appends: expect.any(Number) });
    expect((s.writes as { appends: number }).appends).toBeGreaterThan(0);
    await expectExactlyTheFile(db);
  }, 1_800_000);

  it("merges after a crash between a commit and its checkpoint, and still ends exact", async () => {
    const db = path.join(dir, "crash-db");
    const config = await resolveSessionConfig({ env: {}, overrides: { store: { uri: db } } });
    const store = await VariantStore.connect(db);
    const add = store.addBatch.bind(store);
    let commits = 0;
    // The 4th write commits, then the process "dies" before the checkpoint records it.
    store.addBatch = async (rows, options) => {
      const r = await add(rows, options);
      if (++commits === 4) throw new Error("simulated crash after commit");
      return r;
    };
    await expect(ingestVcf({ input: file, config, store })).rejects.toThrow(/simulated crash/);
    store.close();
    const cp = readCheckpoints(db)[0]!;
    const stored = await expectPrefix(db);
    expect(cp.tableRows).toBeLessThan((await readTable(db, "variants", 1)).ids.length); // the table leads the checkpoint
    expect(stored).toBeGreaterThan(cp.variantsCommitted);
    const s = await ingestVcf({ input: file, config });
    expect(s.resumedFrom).toBe(cp.variantsCommitted);
    expect(s.writes.merges).toBeGreaterThan(0);
    expect(s.variantsAlreadyStored).toBeGreaterThan(cp.variantsCommitted);
    await expectExactlyTheFile(db);
  }, 1_800_000);
});
