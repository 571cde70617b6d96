/**
 * Leading eigenpairs of a dense symmetric matrix, for PCA on a covariance matrix.
 *
 * Method (LAPACK's dsytd2 → dstebz → dstein → dormtr path, written for one use):
 * 1. Householder reduction to tridiagonal form T = Qᵀ A Q (lower triangle, in place).
 * 2. The k largest eigenvalues of T by Sturm-count bisection (sorted by construction).
 * 3. Their eigenvectors of T by inverse iteration, re-orthogonalized against earlier
 *    vectors of the same cluster of nearly equal eigenvalues (`_inverse-iteration.ts`).
 * 4. Back-transformation by Q for just those k vectors.
 * Only k vectors are ever formed, so for k = n/2 this costs about half of a full QL
 * eigendecomposition, whose rotations must be applied to all n vectors.
 */
import { runSteps, type Steps } from "./_steps.js";
import { applyReflectorsSteps } from "./_backtransform.js";
import { tridiagonalEigenvectorsSteps } from "./_inverse-iteration.js";
import { tridiagonalizeSteps } from "./_tridiag.js";

/** The k largest eigenpairs of a symmetric matrix. */
export interface EigenPairs {
  /** Eigenvalues, largest first. */
  readonly values: Float64Array;
  /** Unit eigenvectors, row-major `k × n`: row i belongs to `values[i]`. */
  readonly vectors: Float64Array;
}

const EPS = 2.220446049250313e-16;

/**
 * The `k` largest eigenpairs of the symmetric `n × n` matrix `a` (row-major; only the
 * lower triangle is read). `a` may be overwritten.
 *
 * @example
 * const { values, vectors } = symmetricEigenTop(Float64Array.of(2, 1, 1, 2), 2, 1); // values[0] = 3
 */
export function symmetricEigenTop(a: Float64Array, n: number, k: number, signal?: AbortSignal): EigenPairs {
  return runSteps(symmetricEigenTopSteps(a, n, k), signal);
}

/** {@link symmetricEigenTop} as {@link Steps}. */
export function* symmetricEigenTopSteps(a: Float64Array, n: number, k: number): Steps<EigenPairs> {
  if (!Number.isInteger(n) || n < 1 || a.length < n * n) throw new RangeError(`symmetricEigenTop: need an ${n}×${n} matrix, got ${a.length} values`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`symmetricEigenTop: k must be in 1..${n}, got ${k}`);
  const { diag, off, tau, reflectors } = yield* tridiagonalizeSteps(a, n);
  yield;
  const values = yield* largestTridiagonalEigenvalues(diag, off, k);
  yield;
  const vectors = yield* tridiagonalEigenvectorsSteps(diag, off, values);
  yield* applyReflectorsSteps(reflectors, n, tau, vectors, k);
  return { values, vectors };
}

/** Number of eigenvalues of T strictly less than x (Sturm sequence via LDLᵀ signs). */
function countBelow(diag: Float64Array, off: Float64Array, x: number, pivmin: number): number {
  const n = diag.length;
  let q = diag[0]! - x;
  let count = q < 0 ? 1 : 0;
  for (let i = 1; i < n; i++) {
    if (Math.abs(q) < pivmin) q = -pivmin;
    const e = off[i - 1]!;
    q = diag[i]! - x - (e * e) / q;
    if (q < 0) count++;
  }
  return count;
}

/** The k largest eigenvalues of T, descending, by bisection to full double precision. */
function* largestTridiagonalEigenvalues(diag: Float64Array, off: Float64Array, k: number): Steps<Float64Array> {
  const n = diag.length;
  let lo = Infinity;
  let hi = -Infinity;
  let maxE2 = 0;
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs(off[i - 1]!) : 0) + (i < n - 1 ? Math.abs(off[i]!) : 0);
    lo = Math.min(lo, diag[i]! - r);
    hi = Math.max(hi, diag[i]! + r);
    if (i < n - 1) maxE2 = Math.max(maxE2, off[i]! * off[i]!);
  }
  const norm = Math.max(Math.abs(lo), Math.abs(hi));
  const pivmin = Math.max(Number.MIN_VALUE * 1e10, maxE2 * Number.MIN_VALUE * 1e10);
  lo -= 2 * EPS * norm + pivmin;
  hi += 2 * EPS * norm + pivmin;
  const values = new Float64Array(k);
  let upper = hi;
  for (let j = 0; j < k; j++) {
    if (j > 0 && (j & 31) === 0) yield;
    // The (n-1-j)-th smallest: count(x) ≤ n-1-j means x is at or below it.
    const target = n - 1 - j;
    let left = lo;
    let right = upper;
    for (let it = 0; it < 200; it++) {
      const mid = 0.5 * (left + right);
      if (mid === left || mid === right || right - left <= 2 * EPS * Math.max(Math.abs(left), Math.abs(right)) + pivmin) break;
      if (countBelow(diag, off, mid, pivmin) <= target) left = mid;
      else right = mid;
    }
    const value = 0.5 * (left + right);
    values[j] = value;
    upper = right; // the next eigenvalue is no larger
  }
  return values;
}
