/**
 * A variant table on S3-compatible object storage (Ceph RGW on 127.0.0.1, started by
 * test/global-setup.ts): the PCA model and the ingest checkpoints live in the same store as
 * the table, so another process that knows only the URI sees the same table, model and state;
 * secrets never appear in output.
 */
import { execFile } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { SessionConfig } from "../src/config.js";
import { CheckpointStore, identify } from "../src/pipeline/checkpoint.js";
import { buildServer, type VcfAgentServer } from "../src/server/app.js";
import { VariantStore } from "../src/store/index.js";
import { RGW_PORT } from "./global-setup.js";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist/cli/main.js");
const gen = path.resolve(root, "../shared/tools/gen_vcf.py");
const ENDPOINT = `http://127.0.0.1:${RGW_PORT}`;
const SECRET = "LANCESECRET";
const AWS = { AWS_ACCESS_KEY_ID: "LANCEKEY", AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: "us-east-1", AWS_ENDPOINT: ENDPOINT };
const bucket = `vcf-agent-test-${process.pid}-${Date.now()}`;
const s3 = new S3Client({ endpoint: ENDPOINT, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "LANCEKEY", secretAccessKey: SECRET } });
const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-s3-"));
const input = path.join(tmp, "in.vcf");

async function vcfAgent(args: string[], env: Record<string, string> = AWS): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  // 2,000 generated records: more than the 2 × 768 variants standard PCA needs.
  const { stdout } = await run("python3", [gen, "--n", "2000", "--seed", "11"], { maxBuffer: 1 << 26 });
  writeFileSync(input, stdout);
}, 120_000);

describe("the S3 server", () => {
  it("refuses a second conditional PUT with 412 (what concurrent LanceDB commits rely on)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "canary", Body: "first", IfNoneMatch: "*" }));
    const second = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "canary", Body: "second", IfNoneMatch: "*" })).catch((e: unknown) => e);
    expect((second as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(412);
  });
});

describe("a table on s3://", () => {
  const db = `s3://${bucket}/db`;
  const opts = ["--db", db, "--storage-option", "allow_http=true"];

  it("ingests at the PCA width with the model kept in the store, and another process searches with it", async () => {
    const first = await vcfAgent(["ingest", input, ...opts, "--quiet", "--format", "json"]);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { variantsWritten: number; optimization: { embeddingDimensions: number; dimensionReductionStats: { isTrained: boolean } } };
    expect(summary.optimization.embeddingDimensions).toBe(768);
    expect(summary.optimization.dimensionReductionStats.isTrained).toBe(true);

    // Exactly the file's variants (what `vcf-agent describe` lists), and nothing is added again.
    const described = await vcfAgent(["describe", input]);
    const ids = new Set(described.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { variantId: string }).variantId));
    expect(summary.variantsWritten).toBe(ids.size);
    const again = await vcfAgent(["ingest", input, ...opts, "--quiet", "--format", "json"]);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { variantsWritten: number }).variantsWritten).toBe(0);

    const stats = await vcfAgent(["stats", ...opts, "--format", "json"]);
    expect(stats.code, stats.stderr).toBe(0);
    const s = JSON.parse(stats.stdout) as { rows: number; dims: number; pcaModel: { path: string; dims: number; providerId: string } };
    expect(s.rows).toBe(ids.size);
    expect(s.dims).toBe(768);
    expect(s.pcaModel).toMatchObject({ dims: 768, providerId: "local:vcf-hash-v1:1536" });
    expect(s.pcaModel.path).toContain("variants__meta");

    const hits = await vcfAgent(["search", "pathogenic missense variant", ...opts, "--k", "3", "--format", "jsonl"]);
    expect(hits.code, hits.stderr).toBe(0);
    const lines = hits.stdout.trim().split("\n").map((l) => JSON.parse(l) as { variantId: string; provenance: { pcaModel: { outputDimensions: number } | null } });
    expect(lines).toHaveLength(3);
    for (const h of lines) expect(ids.has(h.variantId)).toBe(true);
    expect(lines[0]?.provenance.pcaModel?.outputDimensions).toBe(768);
  }, 180_000);

  it("keeps the ingest checkpoint in the table's store", async () => {
    const config = new SessionConfig({ store: { uri: db, storageOptions: { allow_http: "true", endpoint: ENDPOINT, region: "us-east-1", aws_access_key_id: "LANCEKEY", aws_secret_access_key: SECRET } } });
    const store = await VariantStore.connect(db, { readOnly: true, storageOptions: { ...config.store.storageOptions } });
    try {
      const checkpoint = await CheckpointStore.of(store).load((await identify(input, undefined))!);
      expect(checkpoint).toMatchObject({ complete: true, source: input });
      expect((await store.meta.keys("checkpoint/")).length).toBe(1);
    } finally {
      store.close();
    }
    // The session's loggable form does not carry the secret.
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(JSON.stringify(config)).toContain("allow_http");
  });

  it("wrong credentials: exit 3 naming the URI, never the secret", async () => {
    const wrong = "WRONG-SECRET-0123456789";
    const r = await vcfAgent(["ingest", input, "--db", `s3://${bucket}/other`, "--storage-option", "allow_http=true", "--quiet"], { ...AWS, AWS_SECRET_ACCESS_KEY: wrong });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`s3://${bucket}/other`);
    expect(r.stderr + r.stdout).not.toContain(wrong);
  }, 120_000);

  it("a secret given as a storage option is not echoed in errors or stats", async () => {
    const r = await vcfAgent(["stats", "--db", db, "--storage-option", "allow_http=true", "--storage-option", `aws_secret_access_key=${SECRET}`, "--format", "json"], {
      AWS_ACCESS_KEY_ID: "LANCEKEY",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT: ENDPOINT,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});

describe("serving replicas on one s3:// table", () => {
  const db = `s3://${bucket}/served`;
  const storageOptions = { allow_http: "true", endpoint: ENDPOINT, region: "us-east-1", aws_access_key_id: "LANCEKEY", aws_secret_access_key: SECRET };
  const second = path.join(tmp, "second.vcf");
  const replicas: VcfAgentServer[] = [];

  async function search(server: VcfAgentServer, body: Record<string, unknown>): Promise<{ variantId: string; distance: number }[]> {
    const r = await server.app.inject({ method: "POST", url: "/v1/search", headers: { "content-type": "application/json" }, payload: body });
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { hits: { variantId: string; distance: number }[] }).hits;
  }

  it("answer the same search identically, and see rows an ingest elsewhere appended within the interval", async () => {
    const first = await vcfAgent(["ingest", input, "--db", db, "--storage-option", "allow_http=true", "--quiet"]);
    expect(first.code, first.stderr).toBe(0);
    const config = new SessionConfig({ store: { uri: db, storageOptions, readConsistencySeconds: 1 } });
    for (let i = 0; i < 2; i++) replicas.push(await buildServer({ config, logLevel: false }));
    try {
      const query = { text: "likely pathogenic frameshift variant", k: 10 };
      const [a, b] = await Promise.all(replicas.map((r) => search(r, query)));
      expect(a).toHaveLength(10);
      expect(b).toEqual(a);

      // Another process appends a file the replicas have never seen.
      const { stdout } = await run("python3", [gen, "--n", "300", "--seed", "12"], { maxBuffer: 1 << 26 });
      writeFileSync(second, stdout.replace(/^(\S+)\t(\d+)\t/gm, (line, chrom: string, pos: string) => (line.startsWith("#") ? line : `${chrom}\t${Number(pos) + 7}\t`)));
      const described = await vcfAgent(["describe", second]);
      const fresh = (JSON.parse(described.stdout.split("\n")[0] as string) as { variantId: string }).variantId;
      for (const r of replicas) expect(await search(r, { text: "variant", k: 1, filters: [`variant_id=${fresh}`] })).toEqual([]);
      const appended = await vcfAgent(["ingest", second, "--db", db, "--storage-option", "allow_http=true", "--quiet"]);
      expect(appended.code, appended.stderr).toBe(0);
      const t0 = Date.now();
      const seen = await Promise.all(
        replicas.map(async (r) => {
          for (;;) {
            const hits = await search(r, { text: "variant", k: 1, filters: [`variant_id=${fresh}`] });
            if (hits.length === 1) return Date.now() - t0;
            if (Date.now() - t0 > 20_000) return Infinity;
            await new Promise((res) => setTimeout(res, 200));
          }
        }),
      );
      // Within the configured interval (1 s) plus one poll and a search, on a loaded machine.
      for (const ms of seen) expect(ms).toBeLessThan(10_000);
    } finally {
      for (const r of replicas) await r.close();
    }
  }, 180_000);
});
