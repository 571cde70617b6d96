/**
 * `vcf-agent ingest FILE --workers N`: one bgzipped, indexed file over N local worker
 * processes into one table ends with exactly the file's variants — also when a worker is
 * killed mid-shard (its shard is retried by a new worker, which skips what was committed).
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { VariantStore } from "../src/store/index.js";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist/cli/main.js");
const gen = path.resolve(root, "../shared/tools/gen_vcf.py");
const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-workers-"));
const input = path.join(tmp, "in.vcf.gz");
let expected: Set<string>;

/** The table's ids, and how many rows it has. */
async function tableIds(db: string): Promise<{ ids: Set<string>; rows: number; dims: number | null }> {
  const store = await VariantStore.connect(db, { readOnly: true });
  try {
    const ids = new Set<string>();
    const rows = await store.forEachId((id) => ids.add(id));
    return { ids, rows, dims: store.dims };
  } finally {
    store.close();
  }
}

/** Pids of the processes whose parent is `pid` (none yet: empty; ps exits 1 then). */
function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

interface Sharded {
  variantsWritten: number;
  shards: number;
  retries: number;
  dims: number;
  workers: { pid: number; shards: number; processes?: number; lost?: string }[];
}

beforeAll(async () => {
  const { stdout } = await run("python3", [gen, "--n", "50000", "--seed", "23"], { maxBuffer: 1 << 28 });
  const plain = path.join(tmp, "in.vcf");
  writeFileSync(plain, stdout);
  execFileSync("bgzip", ["-f", plain]);
  execFileSync("tabix", ["-p", "vcf", input]);
  const described = await run(process.execPath, [cli, "describe", input], { maxBuffer: 1 << 28 });
  expected = new Set(described.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { variantId: string }).variantId));
}, 180_000);

describe("ingest --workers", () => {
  for (const workers of [2, 4]) {
    it(`${workers} workers leave exactly the file's variants, once each, at the PCA width`, async () => {
      const db = path.join(tmp, `db-${workers}`);
      const { stdout } = await run(process.execPath, [cli, "ingest", input, "--db", db, "--workers", String(workers), "--quiet", "--format", "json"], { maxBuffer: 1 << 26 });
      const s = JSON.parse(stdout) as Sharded;
      expect(s.workers).toHaveLength(workers);
      expect(s.workers.reduce((a, w) => a + w.shards, 0)).toBe(s.shards);
      expect(s.retries).toBe(0);
      expect(s.dims).toBe(768);
      const t = await tableIds(db);
      expect(t.rows).toBe(expected.size);
      expect(t.ids).toEqual(expected);
      expect(t.dims).toBe(768);
      // The same file again adds nothing.
      const again = JSON.parse((await run(process.execPath, [cli, "ingest", input, "--db", db, "--workers", String(workers), "--quiet", "--format", "json"], { maxBuffer: 1 << 26 })).stdout) as Sharded;
      expect(again.variantsWritten).toBe(0);
      expect((await tableIds(db)).rows).toBe(expected.size);
    }, 240_000);
  }

  it("--process-rows renews a worker's process between shards; the set is still exact", async () => {
    const db = path.join(tmp, "db-renew");
    const { stdout } = await run(process.execPath, [cli, "ingest", input, "--db", db, "--workers", "2", "--shards", "6", "--process-rows", "1", "--quiet", "--format", "json"], { maxBuffer: 1 << 26 });
    const s = JSON.parse(stdout) as Sharded;
    expect(s.workers).toHaveLength(2);
    // Each process ran one shard (each writes a row or more); a fresh process may find no shard left.
    const processes = s.workers.reduce((a, w) => a + (w.processes ?? 1), 0);
    expect(processes).toBeGreaterThanOrEqual(s.shards);
    expect(processes).toBeLessThanOrEqual(s.shards + s.workers.length);
    expect(s.workers.reduce((a, w) => a + w.shards, 0)).toBe(s.shards);
    const t = await tableIds(db);
    expect(t.rows).toBe(expected.size);
    expect(t.ids).toEqual(expected);
  }, 240_000);

  it("--process-rows needs --workers", async () => {
    const r = await run(process.execPath, [cli, "ingest", input, "--db", path.join(tmp, "db-renew-bad"), "--process-rows", "5"]).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stderr: string }).stderr).toContain("option --process-rows: only with --workers");
  });

  it("a worker killed mid-shard is replaced; its shard is retried and the set is still exact", async () => {
    // A kill can land between two shards (then nothing is retried): try again on a new table until one lands mid-shard.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const db = path.join(tmp, `db-kill-${attempt}`);
      const child = spawn(process.execPath, [cli, "ingest", input, "--db", db, "--workers", "2", "--quiet", "--format", "json"], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
      let killed = 0;
      for (let i = 0; i < 600 && killed === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const workers = childPids(child.pid as number);
        // Once rows are being written, kill the first worker.
        if (workers.length > 0 && (await tableIds(db).catch(() => ({ rows: 0 }))).rows > 0) {
          process.kill(workers[0]!, "SIGKILL");
          killed = workers[0]!;
        }
      }
      expect(killed).toBeGreaterThan(0);
      expect(await exited).toBe(0);
      const s = JSON.parse(out) as Sharded;
      const t = await tableIds(db);
      expect(t.rows).toBe(expected.size);
      expect(t.ids).toEqual(expected);
      const victim = s.workers.find((w) => w.pid === killed);
      expect(victim).toBeDefined();
      if (victim?.lost === undefined) continue; // it was between shards: nothing to retry
      expect(victim.lost).toBe("SIGKILL");
      expect(s.retries).toBeGreaterThanOrEqual(1);
      expect(s.workers.length).toBeGreaterThanOrEqual(3); // the replacement worker
      return;
    }
    throw new Error("no kill landed mid-shard in 3 attempts");
  }, 300_000);

  it("says what to do with an input it cannot split", async () => {
    const plain = path.join(tmp, "plain.vcf");
    writeFileSync(plain, execFileSync("python3", [gen, "--n", "100", "--seed", "1"], { encoding: "utf8" }));
    const r = await run(process.execPath, [cli, "ingest", plain, "--db", path.join(tmp, "db-plain"), "--workers", "2"]).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stderr: string }).stderr).toContain("a sharded ingest (--workers, --queue) splits the file by its tabix or CSI index, and there is none: run `bgzip FILE && tabix -p vcf FILE.gz`");
  });
});
