/**
 * Leading eigenpairs of a dense symmetric matrix, for PCA on a covariance matrix.
 *
 * Method (LAPACK's dsytd2 → dstebz → dstein → dormtr path, written for one use):
 * 1. Householder reduction to tridiagonal form T = Qᵀ A Q (lower triangle, in place).
 * 2. The k largest eigenvalues of T by Sturm-count bisection (sorted by construction).
 * 3. Their eigenvectors of T by inverse iteration, re-orthogonalized (modified Gram-Schmidt)
 *    against earlier vectors of the same cluster of nearly equal eigenvalues.
 * 4. Back-transformation by Q for just those k vectors.
 * Only k vectors are ever formed, so for k = n/2 this costs about half of a full QL
 * eigendecomposition, whose rotations must be applied to all n vectors.
 */

/** The k largest eigenpairs of a symmetric matrix. */
export interface EigenPairs {
  /** Eigenvalues, largest first. */
  readonly values: Float64Array;
  /** Unit eigenvectors, row-major `k × n`: row i belongs to `values[i]`. */
  readonly vectors: Float64Array;
}

import { applyReflectors } from "./_backtransform.js";
import { tridiagonalize } from "./_tridiag.js";

const EPS = 2.220446049250313e-16;

/**
 * The `k` largest eigenpairs of the symmetric `n × n` matrix `a` (row-major; only the
 * lower triangle is read). `a` may be overwritten.
 *
 * @example
 * const { values, vectors } = symmetricEigenTop(Float64Array.of(2, 1, 1, 2), 2, 1); // values[0] = 3
 */
export function symmetricEigenTop(a: Float64Array, n: number, k: number, signal?: AbortSignal): EigenPairs {
  if (!Number.isInteger(n) || n < 1 || a.length < n * n) throw new RangeError(`symmetricEigenTop: need an ${n}×${n} matrix, got ${a.length} values`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`symmetricEigenTop: k must be in 1..${n}, got ${k}`);
  const { diag, off, tau, reflectors } = tridiagonalize(a, n, signal);
  const values = largestTridiagonalEigenvalues(diag, off, k);
  const vectors = tridiagonalEigenvectors(diag, off, values, signal);
  applyReflectors(reflectors, n, tau, vectors, k, signal);
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
function largestTridiagonalEigenvalues(diag: Float64Array, off: Float64Array, k: number): Float64Array {
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

/** Deterministic start vectors for inverse iteration (xorshift32; any fixed seed works). */
function fillStart(b: Float64Array, seed: number): void {
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < b.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    b[i] = s / 4294967296 - 0.5;
  }
}

/**
 * Eigenvectors of T for the given eigenvalues (descending) by inverse iteration with a
 * pivoted tridiagonal LU, re-orthogonalizing within clusters as LAPACK's dstein does.
 */
function tridiagonalEigenvectors(diag: Float64Array, off: Float64Array, values: Float64Array, signal?: AbortSignal): Float64Array {
  const n = diag.length;
  const k = values.length;
  const out = new Float64Array(k * n);
  let onenrm = 0;
  for (let i = 0; i < n; i++) {
    onenrm = Math.max(onenrm, Math.abs(diag[i]!) + (i > 0 ? Math.abs(off[i - 1]!) : 0) + (i < n - 1 ? Math.abs(off[i]!) : 0));
  }
  if (onenrm === 0) onenrm = 1;
  // Inverse iteration's vector error is O(eps‖T‖ / gap). LAPACK re-orthogonalizes whenever
  // gap < 1e-3‖T‖; for PCA components stored in Float32 a loss of 1e-9 is invisible, so only
  // gaps under 1e-7‖T‖ pay for Gram-Schmidt (the sample-covariance tail is one 1e-3 "cluster").
  const ortol = 1e-7 * onenrm;
  const pertol = 10 * EPS * onenrm;
  const pivFloor = EPS * onenrm;
  const u0 = new Float64Array(n);
  const u1 = new Float64Array(n);
  const u2 = new Float64Array(n);
  const l = new Float64Array(n);
  const piv = new Uint8Array(n);
  const b = new Float64Array(n);
  const y = new Float64Array(n);
  let clusterStart = 0;
  let prev = Infinity;
  for (let j = 0; j < k; j++) {
    if ((j & 15) === 0) signal?.throwIfAborted();
    let lambda = values[j]!;
    if (j > 0 && prev - lambda > ortol) clusterStart = j;
    // Equal eigenvalues would give equal factorizations and equal vectors: separate them.
    if (j > clusterStart && prev - lambda < pertol) lambda = prev - pertol;
    prev = lambda;
    factor(diag, off, lambda, pivFloor, u0, u1, u2, l, piv);
    fillStart(b, j + 1);
    normalize(b);
    for (let it = 0; it < 3; it++) {
      solve(b, y, u0, u1, u2, l, piv);
      // MGS against the cluster's earlier vectors keeps nearly-equal eigenvalues' vectors apart.
      for (let c = clusterStart; c < j; c++) {
        const row = c * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += out[row + i]! * b[i]!;
        for (let i = 0; i < n; i++) b[i] = b[i]! - dot * out[row + i]!;
      }
      if (!normalize(b)) fillStart(b, j + 7919 * (it + 1)); // lost to cancellation: restart
    }
    out.set(b, j * n);
  }
  return out;
}

/** Pivoted LU of T − λI: row i of U is (u0, u1, u2) on diagonals 0, +1, +2. */
function factor(diag: Float64Array, off: Float64Array, lambda: number, pivFloor: number, u0: Float64Array, u1: Float64Array, u2: Float64Array, l: Float64Array, piv: Uint8Array): void {
  const n = diag.length;
  let dd = diag[0]! - lambda;
  let cc = n > 1 ? off[0]! : 0;
  for (let i = 0; i < n - 1; i++) {
    const sub = off[i]!;
    const dn = diag[i + 1]! - lambda;
    const sup = i + 1 < n - 1 ? off[i + 1]! : 0;
    if (Math.abs(dd) >= Math.abs(sub)) {
      if (Math.abs(dd) < pivFloor) dd = dd < 0 ? -pivFloor : pivFloor;
      const m = sub / dd;
      u0[i] = dd; u1[i] = cc; u2[i] = 0; l[i] = m; piv[i] = 0;
      dd = dn - m * cc;
      cc = sup;
    } else {
      const m = dd / sub;
      u0[i] = sub; u1[i] = dn; u2[i] = sup; l[i] = m; piv[i] = 1;
      dd = cc - m * dn;
      cc = -m * sup;
    }
  }
  if (Math.abs(dd) < pivFloor) dd = dd < 0 ? -pivFloor : pivFloor;
  u0[n - 1] = dd;
}

/** Solves (T − λI) x = b in place in `b`, using the factors of {@link factor}. */
function solve(b: Float64Array, y: Float64Array, u0: Float64Array, u1: Float64Array, u2: Float64Array, l: Float64Array, piv: Uint8Array): void {
  const n = b.length;
  let cur = b[0]!;
  for (let i = 0; i < n - 1; i++) {
    const next = b[i + 1]!;
    if (piv[i] === 0) {
      y[i] = cur;
      cur = next - l[i]! * cur;
    } else {
      y[i] = next;
      cur = cur - l[i]! * next;
    }
  }
  y[n - 1] = cur;
  // Back substitution, rescaling when growth (the point of inverse iteration) nears overflow.
  let x2 = 0;
  let x1 = 0;
  for (let i = n - 1; i >= 0; i--) {
    let xi = (y[i]! - u1[i]! * x1 - u2[i]! * x2) / u0[i]!;
    if (Math.abs(xi) > 1e150) {
      const s = 1e-150;
      for (let t = i + 1; t < n; t++) b[t] = b[t]! * s;
      for (let t = 0; t <= i; t++) y[t] = y[t]! * s;
      x1 *= s;
      x2 *= s;
      xi = (y[i]! - u1[i]! * x1 - u2[i]! * x2) / u0[i]!;
    }
    b[i] = xi;
    x2 = x1;
    x1 = xi;
  }
}

/** Scales to unit length; false when the vector is zero or not finite. */
function normalize(b: Float64Array): boolean {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += b[i]! * b[i]!;
  if (!(s > 0) || !Number.isFinite(s)) return false;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < b.length; i++) b[i] = b[i]! * inv;
  return true;
}
