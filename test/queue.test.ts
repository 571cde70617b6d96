/**
 * `vcf-agent ingest FILE --queue redis://…` with `vcf-agent worker --queue redis://…` processes:
 * a real Redis (Debian's redis-server, started here on 127.0.0.1) and a table on a real S3
 * (Ceph RGW, started by test/global-setup.ts). The table ends with exactly the variants
 * `bcftools norm -m -any | bcftools query` lists — with 2 and 4 workers, when a worker is
 * killed mid-shard, and when Redis restarts mid-ingest (with its data kept, the ingest
 * completes; with it lost, the ingest says so and a rerun completes).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseQueueUrl } from "../src/pipeline/queue.js";
import { VariantStore } from "../src/store/index.js";
import { RGW_PORT } from "./global-setup.js";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist/cli/main.js");
const gen = path.resolve(root, "../shared/tools/gen_vcf.py");
const ENDPOINT = `http://127.0.0.1:${RGW_PORT}`;
const AWS = { AWS_ACCESS_KEY_ID: "LANCEKEY", AWS_SECRET_ACCESS_KEY: "LANCESECRET", AWS_REGION: "us-east-1", AWS_ENDPOINT: ENDPOINT };
const STORE_OPTS = ["--storage-option", "allow_http=true"];
const bucket = `vcf-agent-queue-${process.pid}-${Date.now()}`;
const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-queue-"));
const input = path.join(tmp, "in.vcf.gz");
const REDIS_PORT = 16390 + (process.pid % 500);
const queueUrl = (name: string): string => `redis://127.0.0.1:${REDIS_PORT}?name=${name}`;
let expected: Set<string>;

/** One redis-server on REDIS_PORT; `persist` keeps its data over a restart (append-only file). */
class RedisServer {
  private child: ChildProcess | undefined;
  constructor(private readonly dir: string, private readonly persist: boolean) {
    mkdirSync(dir, { recursive: true });
  }
  async start(): Promise<void> {
    const args = ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--dir", this.dir, "--save", "", "--appendonly", this.persist ? "yes" : "no", "--appendfsync", "always"];
    this.child = spawn("redis-server", args, { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      try {
        if (execFileSync("redis-cli", ["-p", String(REDIS_PORT), "ping"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() === "PONG") return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server did not come up on 127.0.0.1:${REDIS_PORT}`);
  }
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}

async function vcfAgent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: { ...process.env, ...AWS }, maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A `vcf-agent worker` process; `lines` collects what it says. */
function startWorker(name: string, extra: string[] = []): { child: ChildProcess; lines: string[]; stop: () => Promise<void> } {
  const child = spawn(process.execPath, [cli, "worker", "--queue", queueUrl(name), "--lock-seconds", "3", ...STORE_OPTS, ...extra], { env: { ...process.env, ...AWS }, stdio: ["ignore", "ignore", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  child.stderr?.on("data", (d: Buffer) => {
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts.filter(Boolean));
  });
  const exited = new Promise((r) => child.once("exit", r));
  return {
    child,
    lines,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** The planner, run in the background. */
function startIngest(db: string, name: string, file = input): { child: ChildProcess; result: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [cli, "ingest", file, "--db", db, ...STORE_OPTS, "--queue", queueUrl(name), "--format", "json", "--quiet"], { env: { ...process.env, ...AWS }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return { child, result: new Promise((r) => child.on("exit", (code) => r({ code, stdout, stderr }))) };
}

async function tableIds(db: string): Promise<{ ids: Set<string>; rows: number; dims: number | null }> {
  const store = await VariantStore.connect(db, { readOnly: true, storageOptions: { allow_http: "true", aws_access_key_id: AWS.AWS_ACCESS_KEY_ID, aws_secret_access_key: AWS.AWS_SECRET_ACCESS_KEY, aws_endpoint: ENDPOINT, aws_region: "us-east-1" } });
  try {
    const ids = new Set<string>();
    const rows = await store.forEachId((id) => ids.add(id));
    return { ids, rows, dims: store.dims };
  } finally {
    store.close();
  }
}

async function expectExact(db: string): Promise<void> {
  const t = await tableIds(db);
  expect(t.rows).toBe(expected.size); // no id twice
  expect(t.ids).toEqual(expected);
  expect(t.dims).toBe(768);
}

const until = async (what: string, ok: () => boolean, ms = 120_000): Promise<void> => {
  for (const t0 = Date.now(); !ok(); ) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

interface Sharded {
  variantsWritten: number;
  shards: number;
  retries: number;
  dims: number;
  workers: { pid: number; shards: number; variantsWritten: number; peakRssMb: number }[];
}

const redis = new RedisServer(path.join(tmp, "redis"), true);

beforeAll(async () => {
  await redis.start();
  const s3 = new S3Client({ endpoint: ENDPOINT, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: AWS.AWS_ACCESS_KEY_ID, secretAccessKey: AWS.AWS_SECRET_ACCESS_KEY } });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const { stdout } = await run("python3", [gen, "--n", "50000", "--seed", "29"], { maxBuffer: 1 << 28 });
  const plain = path.join(tmp, "in.vcf");
  writeFileSync(plain, stdout);
  execFileSync("bgzip", ["-f", plain]);
  execFileSync("tabix", ["-p", "vcf", input]);
  const listed = execFileSync("bash", ["-c", `bcftools norm -m -any '${input}' 2>/dev/null | bcftools query -f '%CHROM-%POS-%REF-%ALT\\n'`], { encoding: "utf8", maxBuffer: 1 << 28 });
  expected = new Set(listed.trim().split("\n"));
}, 180_000);

afterAll(async () => {
  await redis.stop();
});

describe("the queue URL", () => {
  it("takes host, port, database and queue name, and hides a password", () => {
    const q = parseQueueUrl("redis://:s3cr3t@10.0.0.5:6380/2?name=clinvar");
    expect(q.connection).toMatchObject({ host: "10.0.0.5", port: 6380, db: 2, password: "s3cr3t" });
    expect(q.name).toBe("clinvar");
    expect(q.shown).toBe("redis://:***@10.0.0.5:6380/2?name=clinvar");
    expect(parseQueueUrl("redis://127.0.0.1").connection).toMatchObject({ port: 6379, db: 0 });
    expect(parseQueueUrl("redis://127.0.0.1").name).toBe("vcf-agent");
  });

  it("names the option and the URL, not the password, when it is wrong", () => {
    expect(() => parseQueueUrl("http://127.0.0.1:6379")).toThrow("option --queue: a Redis URL starts with redis:// or rediss://, got 'http://127.0.0.1:6379'");
    expect(() => parseQueueUrl("redis://:pw@h:1/x")).toThrow("option --queue: the path is the database number (0–15), got 'redis://:***@h:1/x'");
    expect(() => parseQueueUrl("redis://h?queue=a")).toThrow("unknown parameter 'queue'");
  });
});

describe("bad paths", () => {
  it("a queue nobody answers on: exit 3 naming the URL, and nothing written", async () => {
    const db = `s3://${bucket}/unreachable`;
    const r = await vcfAgent(["ingest", input, "--db", db, ...STORE_OPTS, "--queue", "redis://127.0.0.1:1/0", "--quiet"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("cannot reach the queue at redis://127.0.0.1:1/0: connect ECONNREFUSED 127.0.0.1:1");
    const w = await vcfAgent(["worker", "--queue", "redis://127.0.0.1:1/0"]);
    expect(w.code).toBe(3);
    expect(w.stderr).toContain("cannot reach the queue at redis://127.0.0.1:1/0");
  });

  it("--queue with --workers or --region is refused", async () => {
    const a = await vcfAgent(["ingest", input, "--queue", queueUrl("x"), "--workers", "2"]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain("options --workers and --queue");
    const b = await vcfAgent(["ingest", input, "--queue", queueUrl("x"), "--region", "1"]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("options --queue and --region");
  });

  it("an input the workers cannot open fails the ingest with the worker's reason", async () => {
    // Plan and queue, then move the file away before any worker runs.
    const moved = path.join(tmp, "moving.vcf.gz");
    execFileSync("cp", [input, moved]);
    execFileSync("cp", [`${input}.tbi`, `${moved}.tbi`]);
    const db = `s3://${bucket}/unopenable`;
    const child = spawn(process.execPath, [cli, "ingest", moved, "--db", db, ...STORE_OPTS, "--queue", queueUrl("unopenable")], { env: { ...process.env, ...AWS }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    await until("the shards to be queued", () => stderr.includes("shards queued"));
    renameSync(moved, `${moved}.gone`);
    const worker = startWorker("unopenable");
    try {
      expect(await exited).toBe(1);
      expect(stderr).toContain(`cannot open ${moved} (no such file): give ingest a path every worker can reach`);
      expect(stderr).toContain("on each of 3 attempts");
    } finally {
      await worker.stop();
    }
  }, 120_000);
});

describe("ingest --queue with vcf-agent worker processes", () => {
  for (const n of [2, 4]) {
    it(`${n} workers leave exactly the file's variants on s3://, once each, at the PCA width; the same file again adds nothing`, async () => {
      const name = `exact${n}`;
      const db = `s3://${bucket}/exact-${n}`;
      // With 2 workers, each shard gets a fresh shard process (--process-rows 1).
      const workers = Array.from({ length: n }, () => startWorker(name, n === 2 ? ["--process-rows", "1"] : []));
      try {
        const r = await startIngest(db, name).result;
        expect(r.code, r.stderr).toBe(0);
        const s = JSON.parse(r.stdout) as Sharded;
        expect(s.dims).toBe(768);
        expect(s.retries).toBe(0);
        expect(s.variantsWritten).toBe(expected.size);
        expect(s.workers.reduce((a, w) => a + w.shards, 0)).toBe(s.shards);
        expect(s.workers.length).toBeGreaterThan(1); // the shards were shared
        expect(new Set(s.workers.map((w) => w.pid))).toEqual(new Set(workers.map((w) => w.child.pid)));
        await expectExact(db);
        const shardPids = workers.flatMap((w) => w.lines.map((l) => /\(shard process (\d+)\)$/.exec(l)?.[1]).filter((p) => p !== undefined));
        expect(shardPids).toHaveLength(s.shards);
        // Renewed per shard with --process-rows 1; kept across shards by default.
        if (n === 2) expect(new Set(shardPids).size).toBe(s.shards);
        else expect(new Set(shardPids).size).toBeLessThan(s.shards);
        const again = await startIngest(db, name).result;
        expect(again.code, again.stderr).toBe(0);
        expect((JSON.parse(again.stdout) as Sharded).variantsWritten).toBe(0);
        expect((await tableIds(db)).rows).toBe(expected.size);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
    }, 300_000);
  }

  it("two different files ingested at once into one table keep both", async () => {
    const name = "two";
    const db = `s3://${bucket}/two`;
    const other = path.join(tmp, "other.vcf");
    const generated = execFileSync("python3", [gen, "--n", "20000", "--seed", "31"], { encoding: "utf8", maxBuffer: 1 << 28 });
    // Only records none of whose variants is in the first file: the table's union is then known exactly.
    const kept = generated.split("\n").filter((l) => {
      if (l.startsWith("#") || l === "") return true;
      const [chrom, pos, , ref, alts] = l.split("\t");
      return !(alts ?? "").split(",").some((alt) => expected.has(`${chrom}-${pos}-${ref}-${alt}`));
    });
    writeFileSync(other, kept.join("\n"));
    execFileSync("bgzip", ["-f", other]);
    execFileSync("tabix", ["-p", "vcf", `${other}.gz`]);
    const listed = execFileSync("bash", ["-c", `bcftools norm -m -any '${other}.gz' 2>/dev/null | bcftools query -f '%CHROM-%POS-%REF-%ALT\\n'`], { encoding: "utf8", maxBuffer: 1 << 28 });
    const union = new Set([...expected, ...listed.trim().split("\n")]);
    const workers = [startWorker(name), startWorker(name)];
    try {
      const [a, b] = await Promise.all([startIngest(db, name).result, startIngest(db, name, `${other}.gz`).result]);
      // Both planners found a new table: one stored the model, the other may have had to say so (and is rerun).
      if (b.code !== 0) {
        expect(b.stderr).toContain("another ingest stored this table's PCA model while this one was fitting its own");
        expect((await startIngest(db, name, `${other}.gz`).result).code).toBe(0);
      }
      if (a.code !== 0) {
        expect(a.stderr).toContain("another ingest stored this table's PCA model while this one was fitting its own");
        expect((await startIngest(db, name).result).code).toBe(0);
      }
      const t = await tableIds(db);
      expect(t.rows).toBe(union.size);
      expect(t.ids).toEqual(union);
      expect(t.dims).toBe(768);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 300_000);

  it("a worker killed mid-shard: another worker retries the shard and the set is still exact", async () => {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const name = `kill${attempt}`;
      const db = `s3://${bucket}/kill-${attempt}`;
      const victim = startWorker(name);
      const other = startWorker(name);
      try {
        const ingest = startIngest(db, name);
        // Two shards done by the victim: it is then most likely in the middle of its third.
        await until("the victim to finish two shards", () => victim.lines.filter((l) => l.includes(" written, ")).length >= 2);
        victim.child.kill("SIGKILL");
        const r = await ingest.result;
        expect(r.code, r.stderr).toBe(0);
        const s = JSON.parse(r.stdout) as Sharded;
        await expectExact(db);
        if (s.retries === 0) continue; // it was between shards: nothing to retry
        expect(other.lines.join("\n")).not.toContain("failed");
        return;
      } finally {
        await victim.stop();
        await other.stop();
      }
    }
    throw new Error("no kill landed mid-shard in 3 attempts");
  }, 300_000);

  it("Redis restarted mid-ingest with its data kept: the ingest completes exactly", async () => {
    const name = "restart";
    const db = `s3://${bucket}/restart`;
    const workers = [startWorker(name), startWorker(name)];
    try {
      const ingest = startIngest(db, name);
      await until("a few shards done", () => workers.flatMap((w) => w.lines).filter((l) => l.includes(" written, ")).length >= 3);
      await redis.stop();
      await new Promise((r) => setTimeout(r, 1000));
      await redis.start();
      const r = await ingest.result;
      expect(r.code, r.stderr).toBe(0);
      await expectExact(db);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 300_000);

  it("Redis restarted mid-ingest with its data lost: the ingest says so (exit 3) and a rerun completes exactly", async () => {
    const name = "lost";
    const db = `s3://${bucket}/lost`;
    const forgetful = new RedisServer(path.join(tmp, "redis"), false);
    await redis.stop();
    await forgetful.start();
    const workers = [startWorker(name), startWorker(name)];
    try {
      const ingest = startIngest(db, name);
      await until("a few shards done", () => workers.flatMap((w) => w.lines).filter((l) => l.includes(" written, ")).length >= 3);
      await forgetful.stop();
      await forgetful.start();
      const r = await ingest.result;
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`the queue at ${queueUrl(name)} no longer has shard`);
      expect(r.stderr).toContain("rerun the same command: the rows already written are kept and skipped");
      const rerun = await startIngest(db, name).result;
      expect(rerun.code, rerun.stderr).toBe(0);
      await expectExact(db);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await forgetful.stop();
      await redis.start();
    }
  }, 300_000);
});
