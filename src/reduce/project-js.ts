/**
 * Plain-JS projections: the float64 reference (tests), the naive loop (the benchmark's
 * baseline) and a register-blocked loop (the fallback where WebAssembly SIMD is missing).
 * All compute normalize((x − mean) · componentsᵀ) per row, like {@link projectBatch}.
 */
import type { PcaModel } from "./pca.js";

function checkArgs(model: PcaModel, input: Float32Array, n: number, out: Float32Array | undefined): Float32Array {
  const d = model.inputDimensions;
  const k = model.outputDimensions;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`projection: n must be a non-negative integer, got ${n}`);
  if (input.length < n * d) throw new RangeError(`projection: ${n} vectors of width ${d} need ${n * d} values, input has ${input.length}`);
  if (out !== undefined && out.length < n * k) throw new RangeError(`projection: output needs ${n * k} values, has ${out.length}`);
  return out ?? new Float32Array(n * k);
}

/** Scales each `k`-wide row of `rows` to unit length (rows of zeros stay zero). */
export function normalizeRows(rows: Float32Array | Float64Array, n: number, k: number): void {
  for (let r = 0; r < n; r++) {
    const o = r * k;
    let s = 0;
    for (let c = 0; c < k; c++) s += rows[o + c]! * rows[o + c]!;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let c = 0; c < k; c++) rows[o + c] = rows[o + c]! * inv;
  }
}

/** Float64 reference projection (slow, exact up to double rounding): for tests. */
export function projectReference(model: PcaModel, input: Float32Array, n: number): Float64Array {
  checkArgs(model, input, n, undefined);
  const { inputDimensions: d, outputDimensions: k, mean, components } = model;
  const out = new Float64Array(n * k);
  const x = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) x[j] = input[r * d + j]! - mean[j]!;
    for (let c = 0; c < k; c++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += x[j]! * components[c * d + j]!;
      out[r * k + c] = acc;
    }
  }
  normalizeRows(out, n, k);
  return out;
}

/** The naive loop: one dot product per (vector, component). The benchmark's baseline. */
export function projectNaive(model: PcaModel, input: Float32Array, n: number, out?: Float32Array): Float32Array {
  const result = checkArgs(model, input, n, out);
  const { inputDimensions: d, outputDimensions: k, mean, components } = model;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += (input[r * d + j]! - mean[j]!) * components[c * d + j]!;
      result[r * k + c] = acc;
    }
  }
  normalizeRows(result, n, k);
  return result;
}

/**
 * Register-blocked JS: 4 vectors × 4 components per pass, 16 accumulators, so each
 * loaded value is used four times. Fallback where WebAssembly SIMD is unavailable.
 */
export function projectBlockedJs(model: PcaModel, input: Float32Array, n: number, out?: Float32Array): Float32Array {
  const result = checkArgs(model, input, n, out);
  const { inputDimensions: d, outputDimensions: k, mean, components: w } = model;
  // Centre 4 rows at a time into a zero-padded scratch so the inner loop has no branches.
  const x = new Float32Array(4 * d);
  const acc = new Float64Array(16);
  for (let r0 = 0; r0 < n; r0 += 4) {
    const rows = Math.min(4, n - r0);
    x.fill(0);
    for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) x[r * d + j] = input[(r0 + r) * d + j]! - mean[j]!;
    for (let c0 = 0; c0 < k; c0 += 4) {
      const w0 = c0 * d;
      const w1 = c0 + 1 < k ? w0 + d : w0;
      const w2 = c0 + 2 < k ? w0 + 2 * d : w0;
      const w3 = c0 + 3 < k ? w0 + 3 * d : w0;
      let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
      let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
      for (let j = 0; j < d; j++) {
        const x0 = x[j]!, x1 = x[d + j]!, x2 = x[2 * d + j]!, x3 = x[3 * d + j]!;
        const c0v = w[w0 + j]!, c1v = w[w1 + j]!, c2v = w[w2 + j]!, c3v = w[w3 + j]!;
        a00 += x0 * c0v; a01 += x0 * c1v; a02 += x0 * c2v; a03 += x0 * c3v;
        a10 += x1 * c0v; a11 += x1 * c1v; a12 += x1 * c2v; a13 += x1 * c3v;
        a20 += x2 * c0v; a21 += x2 * c1v; a22 += x2 * c2v; a23 += x2 * c3v;
        a30 += x3 * c0v; a31 += x3 * c1v; a32 += x3 * c2v; a33 += x3 * c3v;
      }
      acc[0] = a00; acc[1] = a01; acc[2] = a02; acc[3] = a03;
      acc[4] = a10; acc[5] = a11; acc[6] = a12; acc[7] = a13;
      acc[8] = a20; acc[9] = a21; acc[10] = a22; acc[11] = a23;
      acc[12] = a30; acc[13] = a31; acc[14] = a32; acc[15] = a33;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < 4 && c0 + c < k; c++) result[(r0 + r) * k + c0 + c] = acc[r * 4 + c]!;
      }
    }
  }
  normalizeRows(result, n, k);
  return result;
}
