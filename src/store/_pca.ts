/**
 * Reads the metadata of the PCA model saved next to a table (`<table>.pca`): the JSON
 * header of the reduce module's model file (`VCFPCA01`, u32 length, JSON), without
 * loading the vectors. The store only reports it; the reduce module writes and checks it.
 */
import { open } from "node:fs/promises";

async function readModelHeader(file: string): Promise<{ value: unknown } | { error: string } | undefined> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? undefined : { error: `${file}: ${(e as Error).message}` };
  }
  try {
    const prelude = Buffer.alloc(12);
    const { bytesRead } = await fh.read(prelude, 0, 12, 0);
    if (bytesRead < 12 || prelude.toString("latin1", 0, 8) !== "VCFPCA01") return { error: `${file}: not a PCA model file` };
    const length = prelude.readUInt32LE(8);
    if (length > 16 * 1024 * 1024) return { error: `${file}: header length ${length} is implausible (corrupt file)` };
    const header = Buffer.alloc(length);
    const r = await fh.read(header, 0, length, 12);
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

/** The summary of the model file at `file`, or null when there is none. */
export async function readPcaSummary(file: string): Promise<PcaModelSummary | null> {
  const read = await readModelHeader(file);
  if (read === undefined) return null;
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
