/**
 * PCA model files: one self-checking binary file per model, written atomically.
 *
 * Layout (little-endian):
 *   bytes 0–7   magic `VCFPCA01`
 *   bytes 8–11  u32 length H of the JSON header
 *   12 … 12+H   UTF-8 JSON: format version, provider id, dimensions, explained variance,
 *               created-at, training samples, fit seconds, payload size and SHA-256
 *   then zero padding to a multiple of 4, then Float32 mean (d) and components (k × d).
 * One file (not JSON + sidecar) so a rename publishes the whole model at once.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { VcfAgentError } from "../errors.js";
import type { PcaModel } from "./pca.js";

const MAGIC = "VCFPCA01";
const PRELUDE = 12;

const headerSchema = z.object({
  formatVersion: z.literal(1),
  providerId: z.string().min(1),
  inputDimensions: z.number().int().positive(),
  outputDimensions: z.number().int().positive(),
  trainingSamples: z.number().int().nonnegative(),
  createdAt: z.string(),
  fitSeconds: z.number().nonnegative(),
  totalVariance: z.number().nonnegative(),
  explainedVariance: z.array(z.number()),
  explainedVarianceRatio: z.array(z.number()),
  payloadBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** The mean and components as the file stores them: little-endian Float32, mean first. */
function modelPayload(model: PcaModel): Buffer {
  const d = model.inputDimensions;
  const k = model.outputDimensions;
  const payload = Buffer.alloc((d + k * d) * 4);
  for (let j = 0; j < d; j++) payload.writeFloatLE(model.mean[j]!, j * 4);
  for (let i = 0; i < k * d; i++) payload.writeFloatLE(model.components[i]!, (d + i) * 4);
  return payload;
}

const hashes = new WeakMap<PcaModel, string>();

/**
 * SHA-256 (hex) of a model's mean and components as its file stores them: the same value
 * as the file header's `sha256`, so a search result that names it can be traced to the file.
 */
export function modelSha256(model: PcaModel, payload?: Buffer): string {
  let h = hashes.get(model);
  if (h === undefined) {
    h = createHash("sha256").update(payload ?? modelPayload(model)).digest("hex");
    hashes.set(model, h);
  }
  return h;
}

/** The file name {@link saveModel} uses when none is given. */
export function defaultModelName(model: Pick<PcaModel, "inputDimensions" | "outputDimensions">): string {
  return `pca-${model.inputDimensions}x${model.outputDimensions}`;
}

/** The bytes of the model file {@link saveModel} writes (also what object stores keep, see parseModel). */
export function serializeModel(model: PcaModel): Buffer {
  const d = model.inputDimensions;
  const k = model.outputDimensions;
  if (model.mean.length !== d || model.components.length !== k * d) {
    throw new VcfAgentError(`cannot save PCA model: mean has ${model.mean.length} values and components ${model.components.length}, expected ${d} and ${k * d}`, "PCA");
  }
  const payload = modelPayload(model);
  const header = Buffer.from(
    JSON.stringify({
      formatVersion: 1,
      providerId: model.providerId,
      inputDimensions: d,
      outputDimensions: k,
      trainingSamples: model.trainingSamples,
      createdAt: model.createdAt,
      fitSeconds: model.fitSeconds,
      totalVariance: model.totalVariance,
      explainedVariance: Array.from(model.explainedVariance),
      explainedVarianceRatio: Array.from(model.explainedVarianceRatio),
      payloadBytes: payload.length,
      sha256: modelSha256(model, payload),
    }),
    "utf8",
  );
  const prelude = Buffer.alloc(PRELUDE);
  prelude.write(MAGIC, 0, "latin1");
  prelude.writeUInt32LE(header.length, 8);
  const pad = Buffer.alloc((4 - ((PRELUDE + header.length) % 4)) % 4);
  return Buffer.concat([prelude, header, pad, payload]);
}

/**
 * Writes `model` to `<dir>/<name>.pca` (creating `dir`) via a temporary file and a
 * rename, so readers see the old file or the new one, never half of one. Returns the path.
 *
 * @example
 * const file = await saveModel(model, "./vcf-agent-db/variants.lance-meta");
 */
export async function saveModel(model: PcaModel, dir: string, name: string = defaultModelName(model)): Promise<string> {
  const bytes = serializeModel(model);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.pca`);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, "w");
  try {
    // writeFile loops over short writes; writev reports a full disk as a short count, not an error.
    await fh.writeFile(bytes);
    await fh.sync(); // the rename must not publish a file whose bytes are still in flight
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw new VcfAgentError(`cannot save PCA model ${path}: ${(err as Error).message}`, "PCA", { cause: err });
  }
  await fh.close();
  await rename(tmp, path);
  return path;
}

/**
 * Reads a model written by {@link saveModel}. With `expect`, refuses a model fitted for
 * another provider or input width, since projecting with it would silently mix spaces.
 *
 * @throws VcfAgentError `PCA` naming the file and what was expected and found, for a
 * mismatch, a file that is not a model, a truncated file or a checksum failure.
 */
export async function loadModel(path: string, expect?: { providerId: string; inputDimensions: number }): Promise<PcaModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new VcfAgentError(`${path}: cannot read PCA model: ${(err as Error).message}`, "PCA", { cause: err });
  }
  return parseModel(bytes, path, expect);
}

/**
 * The model in `bytes` (a model file's content, wherever it was kept); `path` names it in errors.
 * @throws VcfAgentError `PCA` as {@link loadModel}.
 */
export function parseModel(bytes: Buffer, path: string, expect?: { providerId: string; inputDimensions: number }): PcaModel {
  const fail = (reason: string): never => {
    throw new VcfAgentError(`${path}: not a usable PCA model: ${reason}`, "PCA");
  };
  if (bytes.length < PRELUDE || bytes.toString("latin1", 0, 8) !== MAGIC) fail(`missing the ${MAGIC} signature`);
  const headerLength = bytes.readUInt32LE(8);
  if (PRELUDE + headerLength > bytes.length) fail(`truncated: header needs ${headerLength} bytes, file has ${bytes.length - PRELUDE} after the signature`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8", PRELUDE, PRELUDE + headerLength));
  } catch {
    fail("header is not valid JSON (corrupt file)");
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`header field ${issue?.path.join(".") || "?"}: ${issue?.message ?? "invalid"}`);
  }
  const h = parsed.data;
  const d = h.inputDimensions;
  const k = h.outputDimensions;
  if (k > d) fail(`outputDimensions ${k} exceeds inputDimensions ${d}`);
  if (h.explainedVariance.length !== k || h.explainedVarianceRatio.length !== k) fail(`explained variance lists must have ${k} entries`);
  const start = PRELUDE + headerLength + ((4 - ((PRELUDE + headerLength) % 4)) % 4);
  const expectedPayload = (d + k * d) * 4;
  if (h.payloadBytes !== expectedPayload) fail(`header declares ${h.payloadBytes} payload bytes, dimensions ${d}→${k} need ${expectedPayload}`);
  const found = bytes.length - start;
  if (found !== expectedPayload) fail(`${found < expectedPayload ? "truncated" : "trailing bytes"}: expected ${expectedPayload} bytes of vectors, found ${found}`);
  const payload = bytes.subarray(start);
  if (createHash("sha256").update(payload).digest("hex") !== h.sha256) fail("checksum mismatch (corrupt file)");
  if (expect !== undefined) {
    if (h.providerId !== expect.providerId) {
      throw new VcfAgentError(`${path}: PCA model was fitted on provider "${h.providerId}", expected "${expect.providerId}"; refit it or use that provider`, "PCA");
    }
    if (d !== expect.inputDimensions) {
      throw new VcfAgentError(`${path}: PCA model expects ${d}-dimensional input, expected ${expect.inputDimensions}`, "PCA");
    }
  }
  const mean = new Float32Array(d);
  const components = new Float32Array(k * d);
  for (let j = 0; j < d; j++) mean[j] = payload.readFloatLE(j * 4);
  for (let i = 0; i < k * d; i++) components[i] = payload.readFloatLE((d + i) * 4);
  const model: PcaModel = {
    inputDimensions: d,
    outputDimensions: k,
    mean,
    components,
    explainedVariance: Float64Array.from(h.explainedVariance),
    explainedVarianceRatio: Float64Array.from(h.explainedVarianceRatio),
    totalVariance: h.totalVariance,
    providerId: h.providerId,
    trainingSamples: h.trainingSamples,
    createdAt: h.createdAt,
    formatVersion: 1,
    fitSeconds: h.fitSeconds,
  };
  hashes.set(model, h.sha256);
  return model;
}

async function readModelHeader(file: string): Promise<{ value: unknown } | { error: string } | undefined> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? undefined : { error: `${file}: ${(e as Error).message}` };
  }
  try {
    const prelude = Buffer.alloc(PRELUDE);
    const { bytesRead } = await fh.read(prelude, 0, PRELUDE, 0);
    if (bytesRead < PRELUDE || prelude.toString("latin1", 0, 8) !== MAGIC) return { error: `${file}: not a PCA model file` };
    const length = prelude.readUInt32LE(8);
    if (length > 16 * 1024 * 1024) return { error: `${file}: header length ${length} is implausible (corrupt file)` };
    const header = Buffer.alloc(length);
    const r = await fh.read(header, 0, length, PRELUDE);
    if (r.bytesRead < length) return { error: `${file}: truncated header` };
    try {
      return { value: JSON.parse(header.toString("utf8")) };
    } catch {
      return { error: `${file}: header is not valid JSON (corrupt file)` };
    }
  } finally {
    await fh.close();
  }
}

/** Summary of a table's PCA model file. */
export interface PcaModelSummary {
  readonly path: string;
  readonly providerId: string | null;
  /** Input (full) width. */
  readonly inputDimensions: number | null;
  /** Output (stored) width. */
  readonly dims: number | null;
  /** Fraction of variance kept, 0..1. */
  readonly varianceRetained: number | null;
  readonly createdAt: string | null;
  readonly trainingSamples: number | null;
  /** Why the file could not be read, when it could not. */
  readonly error?: string;
}

/**
 * The summary of the model file at `file` from its header alone (the vectors are not
 * read), or null when there is none; a file that cannot be read gives a summary with `error`.
 */
export async function readPcaSummary(file: string): Promise<PcaModelSummary | null> {
  const read = await readModelHeader(file);
  return read === undefined ? null : summaryOf(read, file);
}

/** The summary of a model file's content kept elsewhere (an object store); `where` names it. */
export function summarizeModelBytes(bytes: Buffer, where: string): PcaModelSummary {
  const fail = (error: string) => summaryOf({ error: `${where}: ${error}` }, where);
  if (bytes.length < PRELUDE || bytes.toString("latin1", 0, 8) !== MAGIC) return fail("not a PCA model file");
  const length = bytes.readUInt32LE(8);
  if (PRELUDE + length > bytes.length) return fail("truncated header");
  try {
    return summaryOf({ value: JSON.parse(bytes.toString("utf8", PRELUDE, PRELUDE + length)) }, where);
  } catch {
    return fail("header is not valid JSON (corrupt file)");
  }
}

function summaryOf(read: { value: unknown } | { error: string }, file: string): PcaModelSummary {
  const empty = { path: file, providerId: null, inputDimensions: null, dims: null, varianceRetained: null, createdAt: null, trainingSamples: null };
  if ("error" in read) return { ...empty, error: read.error };
  if (typeof read.value !== "object" || read.value === null) return { ...empty, error: `${file}: not a JSON object` };
  const o = read.value as Record<string, unknown>;
  const pick = (...keys: string[]): unknown => keys.map((k) => o[k]).find((v) => v !== undefined);
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  let variance = num(pick("varianceRetained", "variance_retained"));
  const ratios = pick("explainedVarianceRatio", "explained_variance_ratio");
  if (variance === null && Array.isArray(ratios) && ratios.every((r) => typeof r === "number")) {
    variance = (ratios as number[]).reduce((a, b) => a + b, 0);
  }
  return {
    path: file,
    providerId: str(pick("providerId", "provider_id")),
    inputDimensions: num(pick("inputDimensions", "input_dimensions", "originalDimensions")),
    dims: num(pick("outputDimensions", "output_dimensions", "targetDimensions", "dims")),
    varianceRetained: variance,
    createdAt: str(pick("createdAt", "created_at")),
    trainingSamples: num(pick("trainingSamples", "training_samples")),
  };
}
