/**
 * PCA projection of vectors built as `x = (s ⊕ t) / ‖s ⊕ t‖`: a semantic head `s` shared
 * by many rows (zero from `tailStart` on) and a short per-row tail `t` (the local
 * embedder's locus, chromosome and allele blocks). Projection is linear, so
 *
 *   C(x − μ) = (C_head·s + C_tail·t) / ‖s ⊕ t‖ − C·μ
 *
 * and `C_head·s` can be computed once per distinct head and cached (k + 1 floats: the
 * projection and ‖s‖²) instead of composing and projecting a full-width vector per row.
 * Per row this leaves a (tail + 1) × k product on the WebAssembly SIMD kernel: the last
 * input column is the constant −1 against the bias row C·μ, and the cached head,
 * scaled by 1/‖s ⊕ t‖, is loaded as the accumulators' starting value. Rows come out
 * normalized like {@link Projector.project}, equal to it up to float rounding
 * (test/pca-factored.test.ts); docs/performance.md has the figures.
 */
import type { PcaModel } from "./pca.js";
import { createMemory, instantiateGemm, pagesFor, panelWidth, simdSupported, type GemmFn } from "./_gemm.js";
import { SPARSE_CHUNK, sparseModuleBytes, type SparseFn } from "./_sparse.js";
import { wasm } from "./_wasm.js";

/** Rows per kernel call. */
const ROWS = 64;
const SHAPE = { elementBytes: 4, rowBlock: 4, vectors: 2 } as const;

/** See the module comment. Build one per model with {@link factoredProjector}. */
export class FactoredProjector {
  readonly model: PcaModel;
  /** First input index of the per-row tail. */
  readonly tailStart: number;
  /** Tail width: `inputDimensions − tailStart`. */
  readonly tailSize: number;
  /** C·μ in float64, the bias every row subtracts. */
  readonly #bias: Float64Array;
  /** Head weights transposed (row j: the k weights of input j), for the plain-JS path. */
  readonly #headT: Float32Array | undefined;
  /** Tail weights row-major `tailSize × k`, for the plain-JS path. */
  readonly #tailW: Float32Array | undefined;
  readonly #q: number;
  readonly #kPad: number;
  readonly #gemm: GemmFn | undefined;
  readonly #sparse: SparseFn | undefined;
  readonly #f32: Float32Array | undefined;
  readonly #i32: Int32Array | undefined;
  /** Offsets in 4-byte words inside the WebAssembly memory. */
  readonly #at = { a: 0, c: 0, ct: 0, zero: 0, ends: 0, pairs: 0 };

  constructor(model: PcaModel, tailStart: number, options: { simd?: boolean } = {}) {
    const d = model.inputDimensions;
    const k = model.outputDimensions;
    if (!Number.isInteger(tailStart) || tailStart < 1 || tailStart >= d) throw new RangeError(`factored projection: tailStart must be in 1..${d - 1}, got ${tailStart}`);
    this.model = model;
    this.tailStart = tailStart;
    this.tailSize = d - tailStart;
    const { components, mean } = model;
    const bias = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += components[c * d + j]! * mean[j]!;
      bias[c] = acc;
    }
    this.#bias = bias;
    // GEMM inputs per row: the tail, then the bias column.
    const q = this.tailSize + 1;
    this.#q = q;
    // A multiple of both kernels' column groups (8 for the GEMM panels, 32 for the sparse kernel).
    const kPad = Math.ceil(k / SPARSE_CHUNK) * SPARSE_CHUNK;
    this.#kPad = kPad;
    if (!((options.simd ?? true) && simdSupported())) {
      const headT = new Float32Array(tailStart * k);
      const tailW = new Float32Array(this.tailSize * k);
      for (let c = 0; c < k; c++) {
        for (let j = 0; j < tailStart; j++) headT[j * k + c] = components[c * d + j]!;
        for (let j = 0; j < this.tailSize; j++) tailW[j * k + c] = components[c * d + tailStart + j]!;
      }
      this.#headT = headT;
      this.#tailW = tailW;
      return;
    }
    const pw = panelWidth(SHAPE);
    const words = { w: q * kPad, a: ROWS * q, c: ROWS * kPad, ct: tailStart * kPad, zero: kPad, ends: ROWS, pairs: ROWS * tailStart * 2 };
    const at = this.#at;
    at.a = words.w;
    at.c = at.a + words.a;
    at.ct = at.c + words.c;
    at.zero = at.ct + words.ct;
    at.ends = at.zero + words.zero;
    at.pairs = at.ends + words.ends;
    const pages = pagesFor((at.pairs + words.pairs) * 4);
    const memory = createMemory(pages);
    this.#gemm = instantiateGemm({ ...SHAPE, lda: q, ldc: kPad }, memory, pages);
    this.#sparse = new wasm!.Instance(new wasm!.Module(sparseModuleBytes(pages, kPad * 4)), { env: { memory } }).exports["sparse"] as SparseFn;
    const f32 = new Float32Array(memory.buffer);
    for (let c = 0; c < k; c++) {
      // GEMM panels: q rows of pw weights for outputs p·pw … p·pw + pw − 1; the last row is the bias.
      const panel = Math.floor(c / pw) * q * pw;
      const lane = c % pw;
      for (let j = 0; j < this.tailSize; j++) f32[panel + j * pw + lane] = components[c * d + tailStart + j]!;
      f32[panel + this.tailSize * pw + lane] = bias[c]!;
      // Sparse kernel: head weights transposed, row j = input j's weight on every output.
      for (let j = 0; j < tailStart; j++) f32[at.ct + j * kPad + c] = components[c * d + j]!;
    }
    this.#f32 = f32;
    this.#i32 = new Int32Array(memory.buffer);
  }

  /**
   * The cacheable part of each head `s` (length ≥ tailStart; values from tailStart on
   * are ignored): `k + 1` floats, `C_head·s` then ‖s‖². Work is proportional to the nonzeros.
   */
  projectHeads(heads: readonly Float32Array[]): Float32Array[] {
    const out = new Array<Float32Array>(heads.length);
    if (this.#f32 === undefined) {
      for (let i = 0; i < heads.length; i++) out[i] = this.#projectHeadJs(heads[i]!);
      return out;
    }
    const f32 = this.#f32;
    const i32 = this.#i32!;
    const k = this.model.outputDimensions;
    const kPad = this.#kPad;
    const at = this.#at;
    const norms = new Float64Array(ROWS);
    for (let r0 = 0; r0 < heads.length; r0 += ROWS) {
      const m = Math.min(ROWS, heads.length - r0);
      let p = at.pairs;
      for (let i = 0; i < m; i++) {
        const s = heads[r0 + i]!;
        let norm2 = 0;
        for (let j = 0; j < this.tailStart; j++) {
          const v = s[j]!;
          if (v === 0) continue;
          norm2 += v * v;
          i32[p] = j * kPad * 4;
          f32[p + 1] = v;
          p += 2;
        }
        norms[i] = norm2;
        i32[at.ends + i] = p * 4;
      }
      this.#sparse!(at.ct * 4, at.zero * 4, at.c * 4, at.pairs * 4, at.ends * 4, m, kPad / SPARSE_CHUNK);
      for (let i = 0; i < m; i++) {
        const h = new Float32Array(k + 1);
        h.set(f32.subarray(at.c + i * kPad, at.c + i * kPad + k));
        h[k] = norms[i]!;
        out[r0 + i] = h;
      }
    }
    return out;
  }

  /**
   * Projects `n` rows into `out` (row-major `n × k` from element `outOffset`), each
   * normalized: row i is head `heads[i]` (from {@link projectHeads}) with the tail at
   * `tails[i·tailSize …]` whose squared norm is `tailNorms[i]`.
   */
  project(heads: readonly Float32Array[], tails: Float32Array, tailNorms: Float64Array, n: number, out: Float32Array, outOffset = 0): void {
    const k = this.model.outputDimensions;
    const t = this.tailSize;
    if (heads.length < n || tails.length < n * t || tailNorms.length < n) throw new RangeError(`factored projection: inputs shorter than ${n} rows`);
    if (out.length < outOffset + n * k) throw new RangeError(`factored projection: output needs ${outOffset + n * k} values, has ${out.length}`);
    if (this.#f32 === undefined) {
      for (let r = 0; r < n; r++) this.#projectRowJs(heads[r]!, tails, r * t, tailNorms[r]!, out, outOffset + r * k);
      return;
    }
    for (let r0 = 0; r0 < n; r0 += ROWS) this.#block(heads, tails, tailNorms, r0, Math.min(ROWS, n - r0), out, outOffset);
  }

  // With n = ‖s ⊕ t‖: n·C(x − μ) = C_head·s + C_tail·t − n·C·μ, so the GEMM row is [t, −n]
  // and the accumulators start at the cached C_head·s; the final normalization removes n.
  #block(heads: readonly Float32Array[], tails: Float32Array, tailNorms: Float64Array, r0: number, m: number, out: Float32Array, outOffset: number): void {
    const f32 = this.#f32!;
    const k = this.model.outputDimensions;
    const t = this.tailSize;
    const q = this.#q;
    const kPad = this.#kPad;
    const { a: a0, c: c0, ct } = this.#at;
    for (let i = 0; i < m; i++) {
      const r = r0 + i;
      const head = heads[r]!;
      const a = a0 + i * q;
      const c = c0 + i * kPad;
      const norm2 = head[k]! + tailNorms[r]!;
      if (norm2 === 0) {
        // The composed vector of nothing is the fixed unit vector e₀ (see the local embedder).
        f32.fill(0, a, a + t);
        f32[a + t] = -1;
        f32.copyWithin(c, ct, ct + k);
      } else {
        f32.set(tails.subarray(r * t, r * t + t), a);
        f32[a + t] = -Math.sqrt(norm2);
        f32.set(head.subarray(0, k), c);
      }
    }
    const blocks = Math.ceil(m / SHAPE.rowBlock);
    // Rows past m in the last register block are computed and ignored: keep them finite.
    f32.fill(0, a0 + m * q, a0 + blocks * SHAPE.rowBlock * q);
    f32.fill(0, c0 + m * kPad, c0 + blocks * SHAPE.rowBlock * kPad);
    this.#gemm!(a0 * 4, 0, c0 * 4, q, blocks, kPad / panelWidth(SHAPE), 1);
    for (let i = 0; i < m; i++) {
      const c = c0 + i * kPad;
      let s = 0;
      for (let j = 0; j < k; j++) s += f32[c + j]! * f32[c + j]!;
      const o = outOffset + (r0 + i) * k;
      const inv = s === 0 ? 0 : 1 / Math.sqrt(s);
      for (let j = 0; j < k; j++) out[o + j] = f32[c + j]! * inv;
    }
  }

  #projectHeadJs(s: Float32Array): Float32Array {
    const k = this.model.outputDimensions;
    const headT = this.#headT!;
    const acc = new Float64Array(k);
    let norm2 = 0;
    for (let j = 0; j < this.tailStart; j++) {
      const v = s[j]!;
      if (v === 0) continue;
      norm2 += v * v;
      for (let c = 0; c < k; c++) acc[c] = acc[c]! + v * headT[j * k + c]!;
    }
    const out = new Float32Array(k + 1);
    out.set(acc);
    out[k] = norm2;
    return out;
  }

  /** Without WebAssembly SIMD: the same arithmetic in float64 JS. */
  #projectRowJs(head: Float32Array, tails: Float32Array, src: number, tailNorm2: number, out: Float32Array, o: number): void {
    const k = this.model.outputDimensions;
    const y = new Float64Array(k);
    const norm2 = head[k]! + tailNorm2;
    if (norm2 === 0) {
      for (let c = 0; c < k; c++) y[c] = this.#headT![c]! - this.#bias[c]!;
    } else {
      const n = Math.sqrt(norm2);
      for (let c = 0; c < k; c++) y[c] = head[c]! - n * this.#bias[c]!;
      const w = this.#tailW!;
      for (let j = 0; j < this.tailSize; j++) {
        const v = tails[src + j]!;
        if (v === 0) continue;
        for (let c = 0; c < k; c++) y[c] = y[c]! + v * w[j * k + c]!;
      }
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += y[c]! * y[c]!;
    const inv = s === 0 ? 0 : 1 / Math.sqrt(s);
    for (let c = 0; c < k; c++) out[o + c] = y[c]! * inv;
  }
}

const cache = new WeakMap<PcaModel, Map<number, FactoredProjector>>();

/** The {@link FactoredProjector} of `model` for tails from `tailStart`, built once per model. */
export function factoredProjector(model: PcaModel, tailStart: number): FactoredProjector {
  let byStart = cache.get(model);
  if (byStart === undefined) cache.set(model, (byStart = new Map()));
  let p = byStart.get(tailStart);
  if (p === undefined) byStart.set(tailStart, (p = new FactoredProjector(model, tailStart)));
  return p;
}
