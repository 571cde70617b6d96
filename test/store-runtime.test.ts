/**
 * LanceDB's tokio runtime starts when the binding loads; the store sets its worker count
 * first (one worker: less memory held per write, docs/performance.md) and keeps a user's own
 * setting. Checked in a fresh process on the built package, as an application loads it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const entry = path.join(root, "dist", "index.js");

function probe(env: Record<string, string>): { env: string | null; workers: number | null } {
  const code = `
    const { existsSync, readdirSync, readFileSync } = await import("node:fs");
    await import(${JSON.stringify(entry)});
    const tasks = "/proc/self/task";
    const workers = existsSync(tasks)
      ? readdirSync(tasks).filter((t) => readFileSync(tasks + "/" + t + "/comm", "utf8").trim() === "tokio-rt-worker").length
      : null;
    console.log(JSON.stringify({ env: process.env.TOKIO_WORKER_THREADS ?? null, workers }));`;
  const { TOKIO_WORKER_THREADS: _unset, ...base } = process.env;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { env: { ...base, ...env }, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`probe exited with ${String(r.status)}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() as string) as { env: string | null; workers: number | null };
}

describe.skipIf(!existsSync(entry))("LanceDB runtime settings", () => {
  it("starts LanceDB with one tokio worker unless TOKIO_WORKER_THREADS is set", () => {
    const ours = probe({});
    expect(ours.env).toBe("1");
    if (ours.workers !== null) expect(ours.workers).toBe(1);
    const theirs = probe({ TOKIO_WORKER_THREADS: "3" });
    expect(theirs.env).toBe("3");
    if (theirs.workers !== null) expect(theirs.workers).toBe(3);
  });
});
