/**
 * Back-transformation of tridiagonal eigenvectors: X ← Q X with Q = H_0 … H_{n−3}
 * (LAPACK dormtr). Reflectors are applied 32 at a time in compact-WY form,
 * H_j0 … H_j0+31 = I − V T Vᵀ, so almost all the work (4·n²·k flops) becomes two
 * matrix products on the f64x2 kernel of `_gemm.ts`. Plain JS is the fallback. Internal.
 */
import { runSteps, type Steps } from "./_steps.js";
import { createMemory, instantiateGemm, pagesFor, simdSupported } from "./_gemm.js";

const B = 32; // reflectors per block (columns of V); a multiple of the kernel's panel width 4
const PW = 4; // panel width of the f64 kernel (2 vectors × 2 lanes)
const R = 4; // kernel row block

/**
 * Applies Q to each of the `k` rows of `vectors` (row-major k × n), in place.
 * Reflector j has τ = tau[j] and v_j stored in row j of `reflectors` right of the diagonal
 * (v_j[j+1] = 1 implied).
 */
export function applyReflectors(reflectors: Float64Array, n: number, tau: Float64Array, vectors: Float64Array, k: number, signal?: AbortSignal): void {
  runSteps(applyReflectorsSteps(reflectors, n, tau, vectors, k), signal);
}

/** {@link applyReflectors} as {@link Steps}: it yields after every block of reflectors or vectors. */
export function applyReflectorsSteps(reflectors: Float64Array, n: number, tau: Float64Array, vectors: Float64Array, k: number): Steps<void> {
  return simdSupported() && n >= 8 ? applyBlocked(reflectors, n, tau, vectors, k) : applyOneByOne(reflectors, n, tau, vectors, k);
}

/** v_j[i] for the implicit-one storage. */
function vAt(reflectors: Float64Array, n: number, j: number, i: number): number {
  if (i <= j) return 0;
  if (i === j + 1) return 1;
  return reflectors[j * n + i]!;
}

function* applyBlocked(reflectors: Float64Array, n: number, tau: Float64Array, vectors: Float64Array, k: number): Steps<void> {
  const nPad = Math.ceil(n / PW) * PW;
  const kPad = Math.ceil(k / R) * R;
  const xOff = 0;
  const wOff = xOff + kPad * nPad * 8;
  const p1Off = wOff + kPad * B * 8;
  const p2Off = p1Off + nPad * B * 8;
  const pages = pagesFor(p2Off + B * nPad * 8);
  const memory = createMemory(pages);
  // W = Xᵀ-rows · V (A row stride nPad, C stride B), then X += (−W Tᵀ) · Vᵀ (A stride B, C stride nPad).
  const gemmXV = instantiateGemm({ elementBytes: 8, lda: nPad, ldc: B, rowBlock: R, vectors: 2 }, memory, pages);
  const gemmWV = instantiateGemm({ elementBytes: 8, lda: B, ldc: nPad, rowBlock: R, vectors: 2 }, memory, pages);
  const heap = new Float64Array(memory.buffer);
  const X = xOff / 8, W = wOff / 8, P1 = p1Off / 8, P2 = p2Off / 8;
  for (let r = 0; r < k; r++) heap.set(vectors.subarray(r * n, r * n + n), X + r * nPad);
  const t = new Float64Array(B * B);
  const z = new Float64Array(B);
  const last = n - 3; // reflectors 0..n−3; H_{n−2} is the identity
  for (let j0 = Math.floor(last / B) * B; j0 >= 0; j0 -= B) {
    yield;
    const nb = Math.min(B, last + 1 - j0);
    const c0 = Math.floor((j0 + 1) / PW) * PW; // V is zero above row j0+1; start on a panel boundary
    const q = nPad - c0;
    // T (upper, B × B; unused columns zero): T[i][i] = τ_i, T[0:i, i] = −τ_i T[0:i, 0:i] V[:, 0:i]ᵀ v_i.
    t.fill(0);
    for (let i = 0; i < nb; i++) {
      const ti = tau[j0 + i]!;
      t[i * B + i] = ti;
      if (ti === 0) continue;
      for (let m = 0; m < i; m++) {
        let dot = 0;
        for (let row = j0 + i + 1; row < n; row++) dot += vAt(reflectors, n, j0 + m, row) * vAt(reflectors, n, j0 + i, row);
        z[m] = -ti * dot;
      }
      for (let m = 0; m < i; m++) {
        let acc = 0;
        for (let l = m; l < i; l++) acc += t[m * B + l]! * z[l]!;
        t[m * B + i] = acc;
      }
    }
    // Pack V (q × B) in panels of PW columns, and Vᵀ (B × q) in panels of PW columns.
    heap.fill(0, P1, P1 + q * B);
    heap.fill(0, P2, P2 + B * q);
    for (let c = 0; c < nb; c++) {
      const j = j0 + c;
      for (let row = j + 1; row < n; row++) {
        const v = vAt(reflectors, n, j, row);
        const r = row - c0;
        heap[P1 + Math.floor(c / PW) * q * PW + r * PW + (c % PW)] = v;
        heap[P2 + Math.floor(r / PW) * B * PW + c * PW + (r % PW)] = v;
      }
    }
    gemmXV(xOff + c0 * 8, p1Off, wOff, q, kPad / R, B / PW, 0);
    // W ← −W Tᵀ, row by row (T is upper triangular, so column c sums m ≥ c).
    for (let r = 0; r < kPad; r++) {
      const w = W + r * B;
      for (let c = 0; c < nb; c++) {
        let acc = 0;
        for (let m = c; m < nb; m++) acc += heap[w + m]! * t[c * B + m]!;
        z[c] = -acc;
      }
      for (let c = 0; c < B; c++) heap[w + c] = c < nb ? z[c]! : 0;
    }
    gemmWV(wOff, p2Off, xOff + c0 * 8, B, kPad / R, q / PW, 1);
  }
  for (let r = 0; r < k; r++) vectors.set(heap.subarray(X + r * nPad, X + r * nPad + n), r * n);
}

/** One reflector at a time, 16 vectors per pass so they stay in cache. */
function* applyOneByOne(reflectors: Float64Array, n: number, tau: Float64Array, vectors: Float64Array, k: number): Steps<void> {
  const BLOCK = 16;
  for (let r0 = 0; r0 < k; r0 += BLOCK) {
    yield;
    const r1 = Math.min(k, r0 + BLOCK);
    for (let j = n - 3; j >= 0; j--) {
      const t = tau[j]!;
      if (t === 0) continue;
      const s = j + 1;
      const vrow = j * n;
      for (let r = r0; r < r1; r++) {
        const x = r * n;
        let dot = vectors[x + s]!;
        for (let i = s + 1; i < n; i++) dot += reflectors[vrow + i]! * vectors[x + i]!;
        dot *= t;
        vectors[x + s] = vectors[x + s]! - dot;
        for (let i = s + 1; i < n; i++) vectors[x + i] = vectors[x + i]! - dot * reflectors[vrow + i]!;
      }
    }
  }
}
