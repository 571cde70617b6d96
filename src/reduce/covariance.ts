/**
 * Mean and covariance of row-major Float32 samples, accumulated in Float64.
 *
 * The product Xcᵀ Xc (Xc = samples minus mean) is the fit's largest cost: about n·d²/2
 * multiply-adds on the upper triangle, 7.2 G for 6,144 × 1536. It runs on the f64x2
 * WebAssembly SIMD kernel of `_gemm.ts` over chunks of samples, computing only the upper
 * block triangle; a plain-JS loop is the fallback where WebAssembly SIMD is unavailable.
 */
import { runSteps, type Steps } from "./_steps.js";
import { createMemory, instantiateGemm, pagesFor, panelWidth, simdSupported, type GemmShape } from "./_gemm.js";

/** Mean vector and covariance matrix of a sample set. */
export interface Covariance {
  /** Per-dimension mean, length d. */
  readonly mean: Float64Array;
  /** Symmetric d × d covariance (divisor n − 1), row-major, both triangles filled. */
  readonly matrix: Float64Array;
  /** Trace of the covariance: the total variance. */
  readonly totalVariance: number;
}

const CHUNK = 256; // samples per kernel pass: one B panel (256 × 4 doubles) stays in L1
const ROWS = 64; // covariance rows per kernel call: their A slice (64 × 256 doubles) stays in L2
const SHAPE = { elementBytes: 8, rowBlock: 4, vectors: 2 } as const;

/**
 * Mean and covariance of `n` samples of width `d` stored row-major in `samples`.
 *
 * @example
 * const { mean, matrix } = centredCovariance(Float32Array.of(0, 0, 2, 2), 2, 2); // mean [1,1], cov [[2,2],[2,2]]
 */
export function centredCovariance(samples: Float32Array, n: number, d: number, signal?: AbortSignal): Covariance {
  return runSteps(covarianceSteps(samples, n, d), signal);
}

/** {@link centredCovariance} as {@link Steps}: it yields after every chunk of samples. */
export function* covarianceSteps(samples: Float32Array, n: number, d: number): Steps<Covariance> {
  if (n < 2) throw new RangeError(`covariance needs at least 2 samples, got ${n}`);
  if (samples.length < n * d) throw new RangeError(`covariance: ${n} × ${d} samples need ${n * d} values, got ${samples.length}`);
  const mean = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    const row = s * d;
    for (let j = 0; j < d; j++) mean[j] = mean[j]! + samples[row + j]!;
  }
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  const matrix = simdSupported() ? yield* scatterWasm(samples, n, d, mean) : yield* scatterJs(samples, n, d, mean);
  let totalVariance = 0;
  const scale = 1 / (n - 1);
  for (let i = 0; i < matrix.length; i++) matrix[i] = matrix[i]! * scale;
  for (let i = 0; i < d; i++) totalVariance += matrix[i * d + i]!;
  return { mean, matrix, totalVariance };
}

/** Xcᵀ Xc via the SIMD kernel; returns a full symmetric d × d matrix. */
function* scatterWasm(samples: Float32Array, n: number, d: number, mean: Float64Array): Steps<Float64Array> {
  const pw = panelWidth(SHAPE);
  const dPad = Math.ceil(d / ROWS) * ROWS;
  const shape: GemmShape = { ...SHAPE, lda: CHUNK, ldc: dPad };
  const cBytes = dPad * dPad * 8;
  const aOff = cBytes;
  const bOff = aOff + dPad * CHUNK * 8;
  const pages = pagesFor(bOff + CHUNK * dPad * 8);
  const memory = createMemory(pages);
  const gemm = instantiateGemm(shape, memory, pages);
  const heap = new Float64Array(memory.buffer);
  const cBase = 0;
  const aBase = aOff / 8;
  const bBase = bOff / 8;
  const panels = dPad / pw;
  for (let s0 = 0, pass = 0; s0 < n; s0 += CHUNK, pass++) {
    if (pass > 0) yield;
    const m = Math.min(CHUNK, n - s0);
    // A = chunkᵀ (feature-major), B = chunk packed in panels of pw columns; padding stays 0.
    if (m < CHUNK) heap.fill(0, aBase, bBase + CHUNK * dPad);
    for (let s = 0; s < m; s++) {
      const src = (s0 + s) * d;
      // Panel by panel, so the B index is a running sum rather than a division per value.
      for (let j0 = 0; j0 < d; j0 += pw) {
        const b = bBase + (j0 / pw) * CHUNK * pw + s * pw - j0;
        const end = Math.min(d, j0 + pw);
        for (let j = j0; j < end; j++) {
          const x = samples[src + j]! - mean[j]!;
          heap[aBase + j * CHUNK + s] = x;
          heap[b + j] = x;
        }
      }
    }
    for (let r0 = 0; r0 < dPad; r0 += ROWS) {
      const p0 = r0 / pw; // upper block triangle only: columns ≥ r0
      gemm(aOff + r0 * CHUNK * 8, bOff + p0 * CHUNK * pw * 8, cBase + (r0 * dPad + p0 * pw) * 8, CHUNK, ROWS / SHAPE.rowBlock, panels - p0, pass === 0 ? 0 : 1);
    }
  }
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = heap[i * dPad + j]!;
      out[i * d + j] = v;
      out[j * d + i] = v;
    }
  }
  return out;
}

/** Plain-JS fallback: one contiguous dot product per feature pair of the upper triangle. */
function* scatterJs(samples: Float32Array, n: number, d: number, mean: Float64Array): Steps<Float64Array> {
  // Feature-major centred copy so each feature's values are contiguous.
  const xt = new Float64Array(d * n);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) xt[j * n + s] = samples[s * d + j]! - mean[j]!;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    if ((i & 15) === 0) yield;
    const ri = i * n;
    for (let j = i; j < d; j++) {
      const rj = j * n;
      let acc = 0;
      for (let s = 0; s < n; s++) acc += xt[ri + s]! * xt[rj + s]!;
      out[i * d + j] = acc;
      out[j * d + i] = acc;
    }
  }
  return out;
}
