// Shared by the pipeline tests: generated inputs, the built CLI as a child process, the
// reader's view of a file (`vcf-agent describe`) and a direct read of the stored table.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as lancedb from "@lancedb/lancedb";
import type { FixedSizeList } from "apache-arrow";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const cli = path.join(root, "dist", "cli", "main.js");
const generator = path.resolve(root, "../shared/tools/gen_vcf.py");

/** A fresh temporary directory for one test file. */
export function tempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `vcf-agent-${label}-`));
}

/** `gen_vcf.py --n N --seed S` written (gzip) into `dir`; deterministic. */
export function generateVcf(dir: string, n: number, seed: number): string {
  const file = path.join(dir, `gen_n${n}_s${seed}.vcf.gz`);
  if (!existsSync(file)) execFileSync("sh", ["-c", `python3 "${generator}" --n ${n} --seed ${seed} | gzip -c > "${file}"`]);
  return file;
}

/** Result of one CLI run. */
export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion. */
export function runCli(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: "utf8",
    input: options.input,
    timeout: options.timeoutMs ?? 600_000,
    maxBuffer: 1 << 28,
    env: { ...process.env, VCF_AGENT_DEBUG: "" },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `ingest` with `--format json` and returns the parsed summary (throws with stderr on failure). */
export function ingestJson(args: readonly string[]): Record<string, unknown> & { tableRows: number; dims: number; variantsWritten: number } {
  const r = runCli(["ingest", ...args, "--quiet", "--format", "json"]);
  if (r.status !== 0) throw new Error(`ingest ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown> & { tableRows: number; dims: number; variantsWritten: number };
}

/** The reader's view of a file: variant ids in file order (repeats included), via `vcf-agent describe`. */
export function describeIds(file: string, extra: readonly string[] = []): string[] {
  const r = runCli(["describe", file, ...extra]);
  if (r.status !== 0) throw new Error(`describe ${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as { variantId: string }).variantId);
}

/** One description per variant id, from `vcf-agent describe`. */
export function describeRows(file: string): { variantId: string; description: string; gene: string | null; clinicalSignificance: string | null }[] {
  const r = runCli(["describe", file]);
  if (r.status !== 0) throw new Error(`describe ${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { variantId: string; description: string; gene: string | null; clinicalSignificance: string | null });
}

/** What the stored table holds: every variant_id, the vector column's width, and a sample of vectors. */
export async function readTable(db: string, table = "variants", sample = 500): Promise<{ ids: string[]; dims: number; vectors: Float32Array[] }> {
  const conn = await lancedb.connect(db);
  try {
    const t = await conn.openTable(table);
    const schema = await t.schema();
    const field = schema.fields.find((f) => f.name === "vector");
    if (field === undefined) throw new Error(`${db}/${table} has no vector column`);
    const dims = (field.type as FixedSizeList).listSize;
    const idTable = await t.query().select(["variant_id"]).toArrow();
    const ids = idTable.getChild("variant_id")!.toArray() as string[];
    const vecTable = await t.query().select(["vector"]).limit(sample).toArrow();
    const col = vecTable.getChild("vector")!;
    const vectors: Float32Array[] = [];
    for (let i = 0; i < col.length; i++) vectors.push(Float32Array.from(col.get(i) as ArrayLike<number>));
    t.close();
    return { ids: [...ids], dims, vectors };
  } finally {
    conn.close();
  }
}

/** The checkpoint files of a table, parsed. */
export function readCheckpoints(db: string, table = "variants"): { variantsCommitted: number; complete: boolean; tableRows?: number; exclusive?: boolean }[] {
  const dir = path.join(db, `${table}.checkpoints`);
  if (!existsSync(dir)) return [];
  return execFileSync("ls", [dir], { encoding: "utf8" })
    .split("\n")
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as { variantsCommitted: number; complete: boolean });
}

/** Distinct values, in first-seen order. */
export function distinct(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** Asserts-free comparison helper: sorted copy. */
export function sorted(ids: readonly string[]): string[] {
  return [...ids].sort();
}
