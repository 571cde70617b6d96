/**
 * Eigenvectors of a symmetric tridiagonal matrix T for given eigenvalues, by inverse
 * iteration on a pivoted tridiagonal LU (LAPACK dstein). Vectors whose eigenvalues are
 * within `1e-7‖T‖` of each other (a cluster) are re-orthogonalized against the cluster's
 * earlier vectors after every solve. With WebAssembly SIMD that happens 32 vectors at a
 * time as two matrix products on the f64 kernel (block classical Gram-Schmidt, twice on
 * the last step); the plain-JS path uses modified Gram-Schmidt one vector at a time.
 * Internal to src/reduce.
 */
import { runSteps, type Steps } from "./_steps.js";
import { createMemory, instantiateGemm, pagesFor, simdSupported, type GemmFn } from "./_gemm.js";

const EPS = 2.220446049250313e-16;
const ITERATIONS = 3;
const BLOCK = 32; // vectors solved and orthogonalized together (a multiple of the kernel's 4 rows)

/** Scratch for one factorization and solve. */
interface Lu {
  readonly u0: Float64Array;
  readonly u1: Float64Array;
  readonly u2: Float64Array;
  readonly l: Float64Array;
  readonly piv: Uint8Array;
  readonly y: Float64Array;
}

function newLu(n: number): Lu {
  return { u0: new Float64Array(n), u1: new Float64Array(n), u2: new Float64Array(n), l: new Float64Array(n), piv: new Uint8Array(n), y: new Float64Array(n) };
}

/**
 * Unit eigenvectors (row-major `k × n`) of T = tridiag(off, diag, off) for `values`
 * (descending, as bisection returns them).
 */
export function tridiagonalEigenvectors(diag: Float64Array, off: Float64Array, values: Float64Array, signal?: AbortSignal): Float64Array {
  return runSteps(tridiagonalEigenvectorsSteps(diag, off, values), signal);
}

/** {@link tridiagonalEigenvectors} as {@link Steps}: it yields every few eigenvectors. */
export function* tridiagonalEigenvectorsSteps(diag: Float64Array, off: Float64Array, values: Float64Array): Steps<Float64Array> {
  const n = diag.length;
  const k = values.length;
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
  // Shifts: equal eigenvalues would give equal factorizations and equal vectors, so
  // separate them by pertol (as dstein does); and cluster boundaries.
  const shifts = new Float64Array(k);
  const clusters: [number, number][] = [];
  let start = 0;
  for (let j = 0; j < k; j++) {
    let lambda = values[j]!;
    if (j > 0 && values[j - 1]! - lambda > ortol) {
      clusters.push([start, j]);
      start = j;
    }
    if (j > start && shifts[j - 1]! - lambda < pertol) lambda = shifts[j - 1]! - pertol;
    shifts[j] = lambda;
  }
  clusters.push([start, k]);
  const out = new Float64Array(k * n);
  const lu = newLu(n);
  const largest = clusters.reduce((m, [a, b]) => Math.max(m, b - a), 0);
  const blocked = largest > 1 && simdSupported() && n >= 8 ? new BlockOrthogonalizer(n, largest) : undefined;
  const b = new Float64Array(n);
  let sinceYield = 0;
  for (const [c0, c1] of clusters) {
    if (blocked !== undefined && c1 - c0 > 1) {
      yield* blocked.cluster(diag, off, shifts, pivFloor, c0, c1, out, lu);
      continue;
    }
    for (let j = c0; j < c1; j++) {
      if (++sinceYield === 16) {
        sinceYield = 0;
        yield;
      }
      iterate(b, j, (v) => {
        factor(diag, off, shifts[j]!, pivFloor, lu);
        solve(v, lu);
        // MGS against the cluster's earlier vectors keeps nearly equal eigenvalues' vectors apart.
        for (let c = c0; c < j; c++) {
          const row = c * n;
          let dot = 0;
          for (let i = 0; i < n; i++) dot += out[row + i]! * v[i]!;
          for (let i = 0; i < n; i++) v[i] = v[i]! - dot * out[row + i]!;
        }
      });
      out.set(b, j * n);
    }
  }
  return out;
}

/**
 * Runs `step` (solve + orthogonalize) ITERATIONS times on `v` from a seeded start,
 * normalizing after each; a step that cancels to nothing restarts from a new seed.
 */
function iterate(v: Float64Array, seed: number, step: (v: Float64Array) => void): void {
  fillStart(v, seed + 1);
  normalize(v);
  for (let done = 0, tries = 0; done < ITERATIONS; tries++) {
    step(v);
    if (normalize(v)) done++;
    else {
      if (tries > 4 * ITERATIONS) throw new Error(`inverse iteration did not converge for eigenvalue ${seed}`);
      fillStart(v, seed + 7919 * (tries + 1));
      normalize(v);
      done = 0;
    }
  }
}

/**
 * Block re-orthogonalization on the f64 kernel. Holds a cluster's accepted vectors packed
 * as kernel panels (P1: 4 vectors interleaved per panel) and, per block, the transposed
 * packing (P2) for the update B −= C · V.
 */
class BlockOrthogonalizer {
  readonly #n: number;
  readonly #nPad: number;
  readonly #cap: number;
  readonly #heap: Float64Array;
  readonly #bk: number; // block rows (BLOCK × nPad), element offset
  readonly #c: number; // coefficients (BLOCK × cap)
  readonly #p1: number; // accepted vectors, panels of 4 vectors × nPad rows
  readonly #p2: number; // accepted vectors, panels of 4 coordinates × pPad rows
  readonly #dots: GemmFn; // C = Bk · Vᵀ
  readonly #update: GemmFn; // Bk += (−C) · V

  constructor(n: number, largestCluster: number) {
    this.#n = n;
    this.#nPad = Math.ceil(n / 4) * 4;
    this.#cap = Math.ceil(largestCluster / 4) * 4;
    const nPad = this.#nPad;
    const cap = this.#cap;
    this.#bk = 0;
    this.#c = BLOCK * nPad;
    this.#p1 = this.#c + BLOCK * cap;
    this.#p2 = this.#p1 + cap * nPad;
    const pages = pagesFor((this.#p2 + cap * nPad) * 8);
    const memory = createMemory(pages);
    this.#heap = new Float64Array(memory.buffer);
    this.#dots = instantiateGemm({ elementBytes: 8, lda: nPad, ldc: cap, rowBlock: 4, vectors: 2 }, memory, pages);
    this.#update = instantiateGemm({ elementBytes: 8, lda: cap, ldc: nPad, rowBlock: 4, vectors: 2 }, memory, pages);
  }

  /** Eigenvectors for shifts[c0..c1) (one cluster) into rows c0..c1 of `out`. */
  *cluster(diag: Float64Array, off: Float64Array, shifts: Float64Array, pivFloor: number, c0: number, c1: number, out: Float64Array, lu: Lu): Steps<void> {
    const n = this.#n;
    const nPad = this.#nPad;
    const heap = this.#heap;
    heap.fill(0, this.#p1, this.#p1 + this.#cap * nPad);
    let accepted = 0;
    for (let b0 = c0; b0 < c1; b0 += BLOCK) {
      if (b0 > c0) yield;
      const bs = Math.min(BLOCK, c1 - b0);
      const rows = Math.ceil(bs / 4) * 4;
      heap.fill(0, this.#bk, this.#bk + rows * nPad);
      const pPad = Math.ceil(accepted / 4) * 4;
      if (accepted > 0) this.#packTransposed(pPad);
      const row = (r: number): Float64Array => heap.subarray(this.#bk + r * nPad, this.#bk + r * nPad + n);
      for (let r = 0; r < bs; r++) {
        fillStart(row(r), b0 + r + 1);
        normalize(row(r));
      }
      // A row restarted on the last step gets more steps, so no random vector is accepted.
      for (let it = 0, last = ITERATIONS; it < last; it++) {
        for (let r = 0; r < bs; r++) {
          factor(diag, off, shifts[b0 + r]!, pivFloor, lu);
          solve(row(r), lu);
          normalize(row(r)); // the solve grows the vector by up to 1/eps; keep rows comparable
        }
        // Classical Gram-Schmidt against the accepted vectors; twice on the last step
        // ("twice is enough") so the result is orthogonal to working precision.
        const passes = accepted === 0 ? 0 : it === last - 1 ? 2 : 1;
        for (let pass = 0; pass < passes; pass++) this.#orthogonalize(rows, pPad);
        // Modified Gram-Schmidt inside the block, then normalization.
        for (let r = 0; r < bs; r++) {
          const v = row(r);
          for (let q = 0; q < r; q++) {
            const u = row(q);
            let dot = 0;
            for (let i = 0; i < n; i++) dot += u[i]! * v[i]!;
            for (let i = 0; i < n; i++) v[i] = v[i]! - dot * u[i]!;
          }
          if (!normalize(v)) {
            // Cancelled to nothing: restart this row from another seed.
            if (last > 4 * ITERATIONS) throw new Error(`inverse iteration did not converge for eigenvalue ${b0 + r}`);
            fillStart(v, b0 + r + 7919 * (it + 1));
            normalize(v);
            if (it === last - 1) last++;
          }
        }
      }
      for (let r = 0; r < bs; r++) {
        const v = row(r);
        out.set(v, (b0 + r) * n);
        const t = accepted + r;
        const base = this.#p1 + Math.floor(t / 4) * nPad * 4 + (t % 4);
        for (let i = 0; i < n; i++) heap[base + i * 4] = v[i]!;
      }
      accepted += bs;
    }
  }

  /** P2 = accepted vectors (pPad × nPad) packed in panels of 4 coordinates. */
  #packTransposed(pPad: number): void {
    const heap = this.#heap;
    const nPad = this.#nPad;
    for (let t = 0; t < pPad; t++) {
      const src = this.#p1 + Math.floor(t / 4) * nPad * 4 + (t % 4);
      const dst = this.#p2 + t * 4;
      for (let i = 0; i < nPad; i++) heap[dst + Math.floor(i / 4) * pPad * 4 + (i % 4)] = heap[src + i * 4]!;
    }
  }

  /** Bk ← Bk − (Bk Vᵀ) V for the block's `rows` rows and the `pPad` accepted vectors. */
  #orthogonalize(rows: number, pPad: number): void {
    const heap = this.#heap;
    const cap = this.#cap;
    this.#dots(this.#bk * 8, this.#p1 * 8, this.#c * 8, this.#nPad, rows / 4, pPad / 4, 0);
    for (let r = 0; r < rows; r++) {
      const c = this.#c + r * cap;
      for (let t = 0; t < pPad; t++) heap[c + t] = -heap[c + t]!;
    }
    this.#update(this.#c * 8, this.#p2 * 8, this.#bk * 8, pPad, rows / 4, this.#nPad / 4, 1);
  }
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

/** Pivoted LU of T − λI: row i of U is (u0, u1, u2) on diagonals 0, +1, +2. */
function factor(diag: Float64Array, off: Float64Array, lambda: number, pivFloor: number, lu: Lu): void {
  const { u0, u1, u2, l, piv } = lu;
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
function solve(b: Float64Array, lu: Lu): void {
  const { u0, u1, u2, l, piv, y } = lu;
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
