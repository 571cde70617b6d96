/**
 * Principal component analysis for embedding vectors: a centred, unwhitened fit.
 *
 * No whitening: cosine retrieval should see the original geometry, only with the
 * low-variance directions dropped. Whitening would scale every kept direction to unit
 * variance, so noise-level directions would weigh as much as the dominant ones and
 * neighbourhoods would change (see docs/pca.md).
 */
import { VcfAgentError } from "../errors.js";
import { runSteps, runStepsAsync, type Steps } from "./_steps.js";
import { covarianceSteps } from "./covariance.js";
import { symmetricEigenTopSteps } from "./eigen.js";

/** A fitted PCA model: everything needed to project, persist and report. */
export interface PcaModel {
  /** Width of the vectors it was fitted on (the provider's width). */
  readonly inputDimensions: number;
  /** Width of projected vectors. */
  readonly outputDimensions: number;
  /** Training mean, length `inputDimensions`. */
  readonly mean: Float32Array;
  /** Principal axes, row-major `outputDimensions × inputDimensions`, unit rows, largest variance first. */
  readonly components: Float32Array;
  /** Variance along each component (eigenvalues of the covariance), largest first. */
  readonly explainedVariance: Float64Array;
  /** `explainedVariance / totalVariance`, per component. */
  readonly explainedVarianceRatio: Float64Array;
  /** Trace of the training covariance. */
  readonly totalVariance: number;
  /** Embedding provider id the vectors came from; a model never serves another provider. */
  readonly providerId: string;
  /** Number of vectors the model was fitted on. */
  readonly trainingSamples: number;
  /** ISO-8601 time of the fit. */
  readonly createdAt: string;
  /** Model file format version. */
  readonly formatVersion: 1;
  /** Wall-clock seconds the fit took. */
  readonly fitSeconds: number;
}

/** Options of {@link fitPca}. */
export interface FitPcaOptions {
  /** Components to keep (the reduced width). */
  readonly outputDimensions: number;
  /** Provider id recorded in the model. */
  readonly providerId: string;
  /** Input width; required when `samples` is one flat array, checked otherwise. */
  readonly inputDimensions?: number;
  /** Aborts the fit between blocks of work ({@link fitPcaAsync} also while it runs: it yields to the event loop). */
  readonly signal?: AbortSignal;
}

/**
 * Fits a centred PCA. `samples` is a list of equal-width vectors, or one row-major
 * `n × d` Float32Array (then `inputDimensions` is required). Synchronous and single-threaded:
 * about 3 CPU-seconds for 6,144 × 1536 → 768 (docs/pca.md); the caller decides when to pay that.
 *
 * @throws VcfAgentError `PCA` for unusable input (too few samples, ragged or non-finite
 * vectors, zero variance) and for an `outputDimensions` outside 1..inputDimensions.
 * @example
 * const model = fitPca(vectors, { outputDimensions: 768, providerId: provider.id });
 * varianceRetained(model); // e.g. 0.93
 */
export function fitPca(samples: readonly Float32Array[] | Float32Array, options: FitPcaOptions): PcaModel {
  return runSteps(fitPcaSteps(samples, options), options.signal);
}

/**
 * {@link fitPca} without holding the thread: it gives the event loop back every ~20 ms, so
 * signal handlers, timers and sockets keep being served during the seconds a fit takes,
 * and `options.signal` stops it within one slice. Same model as {@link fitPca}.
 *
 * @example
 * const model = await fitPcaAsync(vectors, { outputDimensions: 768, providerId, signal });
 */
export function fitPcaAsync(samples: readonly Float32Array[] | Float32Array, options: FitPcaOptions): Promise<PcaModel> {
  return runStepsAsync(fitPcaSteps(samples, options), options.signal);
}

function* fitPcaSteps(samples: readonly Float32Array[] | Float32Array, options: FitPcaOptions): Steps<PcaModel> {
  const started = performance.now();
  const { flat, n, d } = flatten(samples, options.inputDimensions);
  const k = options.outputDimensions;
  if (!Number.isInteger(k) || k < 1 || k > d) {
    throw new VcfAgentError(`PCA outputDimensions must be an integer in 1..${d} (the input width), got ${k}`, "PCA");
  }
  if (n < 2) throw new VcfAgentError(`PCA needs at least 2 training vectors, got ${n}`, "PCA");
  checkFinite(flat, n, d);
  const cov = yield* covarianceSteps(flat, n, d);
  if (!(cov.totalVariance > 0)) {
    throw new VcfAgentError(`PCA cannot be fitted: all ${n} training vectors are identical (zero variance)`, "PCA");
  }
  const { values, vectors } = yield* symmetricEigenTopSteps(cov.matrix, d, k);
  const components = new Float32Array(k * d);
  const explainedVariance = new Float64Array(k);
  const explainedVarianceRatio = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const row = c * d;
    // Deterministic sign: the largest-magnitude entry of each axis is positive.
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(vectors[row + j]!) > Math.abs(big)) big = vectors[row + j]!;
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[row + j] = sign * vectors[row + j]!;
    // Round-off can leave null-space eigenvalues a hair below zero; variance is never negative.
    const ev = Math.max(0, values[c]!);
    explainedVariance[c] = ev;
    explainedVarianceRatio[c] = ev / cov.totalVariance;
  }
  return {
    inputDimensions: d,
    outputDimensions: k,
    mean: Float32Array.from(cov.mean),
    components,
    explainedVariance,
    explainedVarianceRatio,
    totalVariance: cov.totalVariance,
    providerId: options.providerId,
    trainingSamples: n,
    createdAt: new Date().toISOString(),
    formatVersion: 1,
    fitSeconds: (performance.now() - started) / 1000,
  };
}

/** Fraction of the training variance the kept components explain (0..1). */
export function varianceRetained(m: PcaModel): number {
  let s = 0;
  for (let i = 0; i < m.explainedVarianceRatio.length; i++) s += m.explainedVarianceRatio[i]!;
  return s;
}

function flatten(samples: readonly Float32Array[] | Float32Array, inputDimensions: number | undefined): { flat: Float32Array; n: number; d: number } {
  if (samples instanceof Float32Array) {
    const d = inputDimensions;
    if (d === undefined || !Number.isInteger(d) || d < 1) {
      throw new VcfAgentError(`PCA inputDimensions must be a positive integer when samples are one flat array, got ${String(d)}`, "PCA");
    }
    if (samples.length % d !== 0) {
      throw new VcfAgentError(`PCA samples: flat array of ${samples.length} values is not a whole number of ${d}-wide vectors`, "PCA");
    }
    return { flat: samples, n: samples.length / d, d };
  }
  const first = samples[0];
  const d = inputDimensions ?? first?.length ?? 0;
  if (d < 1) throw new VcfAgentError(`PCA needs at least 2 training vectors, got ${samples.length}`, "PCA");
  const flat = new Float32Array(samples.length * d);
  samples.forEach((v, i) => {
    if (v.length !== d) throw new VcfAgentError(`PCA samples[${i}] has ${v.length} dimensions, expected ${d}`, "PCA");
    flat.set(v, i * d);
  });
  return { flat, n: samples.length, d };
}

function checkFinite(flat: Float32Array, n: number, d: number): void {
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(flat[i]!)) {
      throw new VcfAgentError(`PCA samples[${Math.floor(i / d)}][${i % d}] is ${flat[i]}, not a finite number`, "PCA");
    }
  }
}
