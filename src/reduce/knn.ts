/**
 * Exact (brute-force) k-nearest-neighbour search by inner product, on the f32x4 kernel
 * of `_gemm.ts`: the ground truth for recall measurements, and a flat search for small
 * sets. For unit vectors the inner product is the cosine similarity.
 */
import { createMemory, instantiateGemm, pagesFor, panelWidth, simdSupported } from "./_gemm.js";

const SHAPE = { elementBytes: 4, rowBlock: 4, vectors: 2 } as const;
const CHUNK = 2048; // base vectors packed per pass
const QROWS = 64; // queries per kernel call

/**
 * Indices of the `k` base vectors with the largest inner product with each query, best
 * first (row-major `nQueries × k`; ties keep the lower index first). `base` is
 * `nBase × d` and `queries` is `nQueries × d`, both row-major.
 *
 * @example
 * const top = exactKnn(db, 50_000, qs, 1_000, 1536, 10); // top[q * 10] is q's nearest
 */
export function exactKnn(base: Float32Array, nBase: number, queries: Float32Array, nQueries: number, d: number, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 1 || k > nBase) throw new RangeError(`exactKnn: k must be in 1..${nBase}, got ${k}`);
  if (base.length < nBase * d || queries.length < nQueries * d) throw new RangeError(`exactKnn: arrays shorter than ${nBase} and ${nQueries} vectors of width ${d}`);
  const topScore = new Float32Array(nQueries * k).fill(-Infinity);
  const topIndex = new Int32Array(nQueries * k).fill(-1);
  const offer = (q: number, score: number, index: number): void => {
    const o = q * k;
    if (!(score > topScore[o + k - 1]!)) return;
    let i = k - 1;
    // Insertion into the sorted list; strict > keeps the earlier index ahead on ties.
    while (i > 0 && score > topScore[o + i - 1]!) {
      topScore[o + i] = topScore[o + i - 1]!;
      topIndex[o + i] = topIndex[o + i - 1]!;
      i--;
    }
    topScore[o + i] = score;
    topIndex[o + i] = index;
  };
  if (!simdSupported()) {
    for (let q = 0; q < nQueries; q++) {
      for (let b = 0; b < nBase; b++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += queries[q * d + j]! * base[b * d + j]!;
        offer(q, s, b);
      }
    }
    return topIndex;
  }
  const pw = panelWidth(SHAPE);
  const qPad = Math.ceil(nQueries / QROWS) * QROWS;
  const aOff = 0;
  const bOff = qPad * d * 4;
  const cOff = bOff + CHUNK * d * 4;
  const pages = pagesFor(cOff + QROWS * CHUNK * 4);
  const memory = createMemory(pages);
  const gemm = instantiateGemm({ ...SHAPE, lda: d, ldc: CHUNK }, memory, pages);
  const heap = new Float32Array(memory.buffer);
  heap.set(queries.subarray(0, nQueries * d), 0);
  const B = bOff >> 2;
  const C = cOff >> 2;
  for (let b0 = 0; b0 < nBase; b0 += CHUNK) {
    const m = Math.min(CHUNK, nBase - b0);
    // Pack base vectors transposed in panels of pw: panel p = d rows of pw values.
    heap.fill(0, B, B + CHUNK * d);
    for (let i = 0; i < m; i++) {
      const dst = B + Math.floor(i / pw) * d * pw + (i % pw);
      const src = (b0 + i) * d;
      for (let j = 0; j < d; j++) heap[dst + j * pw] = base[src + j]!;
    }
    const panels = Math.ceil(m / pw);
    for (let q0 = 0; q0 < nQueries; q0 += QROWS) {
      gemm(aOff + q0 * d * 4, bOff, cOff, d, QROWS / SHAPE.rowBlock, panels, 0);
      const rows = Math.min(QROWS, nQueries - q0);
      for (let r = 0; r < rows; r++) {
        const row = C + r * CHUNK;
        for (let i = 0; i < m; i++) offer(q0 + r, heap[row + i]!, b0 + i);
      }
    }
  }
  return topIndex;
}

/** Mean fraction of `truth`'s k neighbours found in `found`'s k (both `n × k`): recall@k. */
export function recallAtK(found: Int32Array, truth: Int32Array, k: number): number {
  const n = truth.length / k;
  let hits = 0;
  for (let q = 0; q < n; q++) {
    const want = new Set(truth.subarray(q * k, q * k + k));
    for (let i = 0; i < k; i++) if (want.has(found[q * k + i]!)) hits++;
  }
  return n === 0 ? 0 : hits / (n * k);
}
