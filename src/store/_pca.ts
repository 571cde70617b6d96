/**
 * Reads the metadata of the PCA model saved next to a table (`<table>.pca.json`). The
 * store only reports it; the reduce module writes it. Field names are read leniently
 * (camelCase or snake_case) so the two modules need not share code.
 */
import { readJsonIfPresent } from "./_disk.js";

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
  const read = await readJsonIfPresent(file);
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
