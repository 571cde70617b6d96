/** Row-major vectors and model-shaped objects shared by the PCA and projection tests. */
import { expect } from "vitest";
import type { PcaModel } from "../src/reduce/pca.js";

/** `rows` (all the same width) laid end to end in one row-major buffer. */
export function concatRows(rows: readonly Float32Array[]): Float32Array {
  const d = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(r, i * d));
  return out;
}

/** Largest |a[i] − b[i]|; fails the test when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * A PcaModel around the given `mean` (width d) and `components` (k × d, row-major), with
 * no fit statistics: the projection kernels need neither orthonormal components nor them.
 */
export function modelOf(mean: Float32Array, components: Float32Array): PcaModel {
  const d = mean.length;
  const k = components.length / d;
  return {
    inputDimensions: d,
    outputDimensions: k,
    mean,
    components,
    explainedVariance: new Float64Array(k),
    explainedVarianceRatio: new Float64Array(k),
    totalVariance: 1,
    providerId: "test:random",
    trainingSamples: 0,
    createdAt: new Date(0).toISOString(),
    formatVersion: 1,
    fitSeconds: 0,
  };
}
