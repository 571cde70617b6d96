/**
 * The projection hot path: normalize((x − mean) · componentsᵀ) for batches of vectors.
 *
 * Runs on a WebAssembly SIMD kernel generated at run time (`_gemm.ts`): components are
 * packed once per model into 8-column panels, inputs are centred into a 64-row scratch,
 * and 4 rows × 8 components of f32x4 accumulators stay in registers across all `d`
 * inputs. For 1536 → 768 that measured 12,000–18,000 vectors per CPU-second on a busy
 * shared machine (up to 44,000/s on an idle core), against 400–500 for the naive loop
 * (docs/pca.md). Falls back to register-blocked JS without SIMD.
 * Rows with at most 25 % nonzeros (hashed-feature embeddings) take the sparse kernel of
 * `_sparse.ts` instead: work in proportion to their nonzeros (docs/performance.md).
 */
import type { PcaModel } from "./pca.js";
import { createMemory, instantiateGemm, pagesFor, panelWidth, simdSupported, type GemmFn, type GemmShape } from "./_gemm.js";
import { normalizeRows, projectBlockedJs } from "./project-js.js";
import { SPARSE_MAX_DENSITY, SparseProjector } from "./_sparse.js";

const ROWS = 64; // vectors per kernel call: 64 × 1536 floats (384 KiB) stay in L2
const SHAPE = { elementBytes: 4, rowBlock: 4, vectors: 2 } as const;

/** Which implementation a {@link Projector} runs. */
export type ProjectionKernel = "wasm-simd" | "js-blocked";

/**
 * A model compiled for projection: its components packed into WebAssembly memory.
 * Build once per model and reuse ({@link projectBatch} caches one per model object).
 */
export class Projector {
  /** The model this projector applies. */
  readonly model: PcaModel;
  /** The implementation in use. */
  readonly kernel: ProjectionKernel;
  readonly #gemm: GemmFn | undefined;
  readonly #heap: Float32Array | undefined;
  readonly #kPad: number;
  readonly #aOff: number;
  readonly #cOff: number;
  /** Input row of each row in the dense scratch. */
  readonly #pending = new Int32Array(ROWS);
  /** The sparse-input kernel (null without WebAssembly); built when first needed. */
  #sparse: SparseProjector | null | undefined;

  constructor(model: PcaModel, options: { kernel?: ProjectionKernel } = {}) {
    this.model = model;
    const wanted = options.kernel ?? (simdSupported() ? "wasm-simd" : "js-blocked");
    this.kernel = wanted === "wasm-simd" && simdSupported() ? "wasm-simd" : "js-blocked";
    const pw = panelWidth(SHAPE);
    const d = model.inputDimensions;
    const k = model.outputDimensions;
    this.#kPad = Math.ceil(k / pw) * pw;
    const wBytes = d * this.#kPad * 4;
    this.#aOff = wBytes;
    this.#cOff = wBytes + ROWS * d * 4;
    if (this.kernel === "js-blocked") return;
    const pages = pagesFor(this.#cOff + ROWS * this.#kPad * 4);
    const memory = createMemory(pages);
    const shape: GemmShape = { ...SHAPE, lda: d, ldc: this.#kPad };
    this.#gemm = instantiateGemm(shape, memory, pages);
    const heap = new Float32Array(memory.buffer);
    // Panel p holds components p·pw … p·pw+pw−1 transposed: d rows of pw values (padding = 0).
    for (let c = 0; c < k; c++) {
      const panel = Math.floor(c / pw) * d * pw;
      const lane = c % pw;
      for (let j = 0; j < d; j++) heap[panel + j * pw + lane] = model.components[c * d + j]!;
    }
    this.#heap = heap;
  }

  /**
   * Projects `n` row-major vectors from `input` into `out` (`n × outputDimensions`),
   * each output row centred, projected and scaled to unit length (a row equal to the
   * mean stays all zeros). Returns `out`.
   */
  project(input: Float32Array, n: number, out?: Float32Array): Float32Array {
    const { inputDimensions: d, outputDimensions: k, mean } = this.model;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`projection: n must be a non-negative integer, got ${n}`);
    if (input.length < n * d) throw new RangeError(`projection: ${n} vectors of width ${d} need ${n * d} values, input has ${input.length}`);
    if (out !== undefined && out.length < n * k) throw new RangeError(`projection: output needs ${n * k} values, has ${out.length}`);
    const result = out ?? new Float32Array(n * k);
    const heap = this.#heap;
    const gemm = this.#gemm;
    if (heap === undefined || gemm === undefined) return projectBlockedJs(this.model, input, n, result);
    // Rows with few nonzeros (hashed-feature embeddings) take the sparse kernel; the rest
    // are centred into the dense scratch, ROWS at a time.
    const maxNonzeros = Math.floor(d * SPARSE_MAX_DENSITY);
    // Built on the first sparse row only, so dense data never pays for its packed copy.
    if (this.#sparse === undefined && n > 0 && countNonzeros(input, 0, d) <= maxNonzeros) this.#sparse = SparseProjector.create(this.model, maxNonzeros);
    const sparse = this.#sparse ?? null;
    const a = this.#aOff >> 2;
    const pending = this.#pending;
    let m = 0;
    const bits = sparse === null ? undefined : new Uint32Array(input.buffer, input.byteOffset, n * d);
    for (let r = 0; r < n; r++) {
      if (sparse !== null && sparse.add(input, r, r * k, bits)) {
        if (sparse.full) sparse.flush(result);
        continue;
      }
      const src = r * d;
      const dst = a + m * d;
      for (let j = 0; j < d; j++) heap[dst + j] = input[src + j]! - mean[j]!;
      pending[m++] = r;
      if (m === ROWS) {
        this.#denseBlock(m, result);
        m = 0;
      }
    }
    if (m > 0) this.#denseBlock(m, result);
    sparse?.flush(result);
    normalizeRows(result.subarray(0, n * k), n, k);
    return result;
  }

  /** Projects the `m` centred rows in the dense scratch and scatters them to their rows of `result`. */
  #denseBlock(m: number, result: Float32Array): void {
    const heap = this.#heap!;
    const d = this.model.inputDimensions;
    const k = this.model.outputDimensions;
    const kPad = this.#kPad;
    const a = this.#aOff >> 2;
    const c = this.#cOff >> 2;
    const blocks = Math.ceil(m / SHAPE.rowBlock);
    // Rows past `m` in the last block are computed and ignored; zero them to keep them finite.
    heap.fill(0, a + m * d, a + blocks * SHAPE.rowBlock * d);
    this.#gemm!(this.#aOff, 0, this.#cOff, d, blocks, kPad / panelWidth(SHAPE), 0);
    for (let i = 0; i < m; i++) {
      const o = c + i * kPad;
      result.set(heap.subarray(o, o + k), this.#pending[i]! * k);
    }
  }
}

function countNonzeros(input: Float32Array, start: number, d: number): number {
  let n = 0;
  for (let j = start; j < start + d; j++) if (input[j] !== 0) n++;
  return n;
}

const projectors = new WeakMap<PcaModel, Projector>();

/**
 * Centred projection of `n` row-major vectors (`input` is `n × inputDimensions`), each
 * output row re-normalized to unit length. Writes into `out` when given (at least
 * `n × outputDimensions` long) and returns it. The packed kernel is cached per model object.
 *
 * @example
 * const reduced = projectBatch(model, flat, 25); // 25 × 768 Float32Array
 */
export function projectBatch(model: PcaModel, input: Float32Array, n: number, out?: Float32Array): Float32Array {
  let p = projectors.get(model);
  if (p === undefined) {
    p = new Projector(model);
    projectors.set(model, p);
  }
  return p.project(input, n, out);
}
