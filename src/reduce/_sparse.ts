/**
 * Sparse-input projection: y = componentsᵀ-rows of x's nonzeros summed, minus
 * components · mean. Hashed-feature embeddings (the local provider) have ~250 nonzeros
 * of 1536, so this does ~1/6 of the dense kernel's multiply-adds; centring is folded
 * into the precomputed bias so the input never becomes dense. Internal to src/reduce.
 *
 * Layout in one WebAssembly.Memory (bytes): CT = componentsᵀ row-major `d × kPad`
 * (row j = input dimension j's weights on every component), then the bias (`kPad`),
 * the output row (`kPad`), and the nonzeros of one input row as (byte offset of its CT
 * row, value) pairs.
 */
import { Code, I32, V128, buildModule, wasm } from "./_wasm.js";
import { createMemory, pagesFor } from "./_gemm.js";
import type { PcaModel } from "./pca.js";

/** Output columns per register block: 8 f32x4 accumulators. */
const CHUNK = 32;

/** Rows with at most this fraction of nonzero inputs go through the sparse kernel. */
export const SPARSE_MAX_DENSITY = 0.25;

const F32X4_ADD = 0xe4;
const F32X4_MUL = 0xe6;

/**
 * `sparse(ct, bias, out, pairs, nnz, chunks)`: for each chunk of 32 output columns,
 * acc = bias chunk; for each (offset, value) pair acc += value · CT[offset + chunk];
 * store acc to `out`. Offsets are CT row byte offsets, so the kernel does no multiply
 * for addressing.
 */
function sparseModuleBytes(pages: number): Uint8Array<ArrayBuffer> {
  const CT = 0, BIAS = 1, OUT = 2, PAIRS = 3, NNZ = 4, CHUNKS = 5;
  const P = 6, END = 7, ROW = 8;
  const firstV = 9;
  const lanes = CHUNK / 4;
  const acc = (i: number): number => firstV + i;
  const X = firstV + lanes;
  const k = new Code();
  k.get(PAIRS).get(NNZ).i32(8).i32mul().i32add().set(END);
  k.block().get(CHUNKS).i32eqz().brIf(0);
  k.loop();
  {
    for (let i = 0; i < lanes; i++) k.get(BIAS).v128load(i * 16).set(acc(i));
    k.get(PAIRS).set(P);
    k.block().get(P).get(END).op(0x46).brIf(0); // i32.eq: no nonzeros
    k.loop();
    {
      k.get(CT).get(P).op(0x28, 2, 0).i32add().set(ROW); // i32.load offset 0
      k.get(P).loadSplat(4, 4).set(X); // the value, broadcast
      for (let i = 0; i < lanes; i++) {
        k.get(acc(i)).get(X).get(ROW).v128load(i * 16).simd(F32X4_MUL).simd(F32X4_ADD).set(acc(i));
      }
      k.get(P).i32(8).i32add().tee(P).get(END).i32ne().brIf(0);
    }
    k.end();
    k.end();
    for (let i = 0; i < lanes; i++) k.get(OUT).get(acc(i)).v128store(i * 16);
    k.get(CT).i32(CHUNK * 4).i32add().set(CT);
    k.get(BIAS).i32(CHUNK * 4).i32add().set(BIAS);
    k.get(OUT).i32(CHUNK * 4).i32add().set(OUT);
    k.get(CHUNKS).i32(1).i32sub().tee(CHUNKS).brIf(0);
  }
  k.end();
  k.end();
  const locals = [I32, I32, I32, ...new Array<number>(lanes + 1).fill(V128)];
  return buildModule(
    [{ name: "sparse", params: [I32, I32, I32, I32, I32, I32], locals, code: k }],
    { minPages: pages, maxPages: pages, shared: false },
  );
}

type SparseFn = (ct: number, bias: number, out: number, pairs: number, nnz: number, chunks: number) => void;

/**
 * Projects rows with few nonzeros: unnormalized (x − mean) · componentsᵀ computed as
 * Σ over x's nonzeros minus the precomputed components · mean. Build once per model.
 */
export class SparseProjector {
  readonly #d: number;
  readonly #k: number;
  readonly #kPad: number;
  readonly #fn: SparseFn;
  readonly #f32: Float32Array;
  readonly #i32: Int32Array;
  readonly #biasOff: number;
  readonly #outOff: number;
  readonly #pairsOff: number;

  /** Null when WebAssembly is unavailable. */
  static create(model: PcaModel): SparseProjector | null {
    return wasm === undefined ? null : new SparseProjector(model);
  }

  private constructor(model: PcaModel) {
    const d = model.inputDimensions;
    const k = model.outputDimensions;
    const kPad = Math.ceil(k / CHUNK) * CHUNK;
    this.#d = d;
    this.#k = k;
    this.#kPad = kPad;
    this.#biasOff = d * kPad * 4;
    this.#outOff = this.#biasOff + kPad * 4;
    this.#pairsOff = this.#outOff + kPad * 4;
    const pages = pagesFor(this.#pairsOff + d * 8);
    const memory = createMemory(pages);
    const mod = new wasm!.Module(sparseModuleBytes(pages));
    this.#fn = new wasm!.Instance(mod, { env: { memory } }).exports["sparse"] as SparseFn;
    const f32 = new Float32Array(memory.buffer);
    const { components, mean } = model;
    // CT[j][c] = components[c][j]; bias[c] = −components[c] · mean, accumulated in double.
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) {
        const w = components[c * d + j]!;
        f32[j * kPad + c] = w;
        dot += w * mean[j]!;
      }
      f32[(this.#biasOff >> 2) + c] = -dot;
    }
    this.#f32 = f32;
    this.#i32 = new Int32Array(memory.buffer);
  }

  /**
   * Projects row `row` of `input` (width d) into `out[at .. at + k)`, unnormalized, when
   * it has at most `maxNonzeros` nonzeros; returns false (writing nothing) otherwise.
   */
  tryProject(input: Float32Array, row: number, maxNonzeros: number, out: Float32Array, at: number): boolean {
    const d = this.#d;
    const f32 = this.#f32;
    const i32 = this.#i32;
    const rowBytes = this.#kPad * 4;
    let p = this.#pairsOff >> 2;
    let nnz = 0;
    const base = row * d;
    for (let j = 0; j < d; j++) {
      const v = input[base + j]!;
      if (v === 0) continue;
      if (++nnz > maxNonzeros) return false;
      i32[p] = j * rowBytes;
      f32[p + 1] = v;
      p += 2;
    }
    this.#fn(0, this.#biasOff, this.#outOff, this.#pairsOff, nnz, this.#kPad / CHUNK);
    const o = this.#outOff >> 2;
    out.set(f32.subarray(o, o + this.#k), at);
    return true;
  }
}
