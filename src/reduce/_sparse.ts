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
 * `sparse(ct, bias, out, pairs, ends, rows, chunks)`: for each chunk of 32 output
 * columns, for each row: acc = bias chunk; for each of the row's (offset, value) pairs
 * acc += value · CT[offset + chunk]; store acc to the row's output. Chunk-outer order
 * keeps one 32-column slice of CT (d × 128 bytes, 192 KiB at d = 1536) in L2 for all the
 * rows of a block instead of streaming the whole matrix per row. Offsets are CT row byte
 * offsets and `ends` holds each row's end address in `pairs`, so no multiply is needed for addressing.
 */
function sparseModuleBytes(pages: number, outRowBytes: number): Uint8Array<ArrayBuffer> {
  const CT = 0, BIAS = 1, OUT = 2, PAIRS = 3, ENDS = 4, ROWS = 5, CHUNKS = 6;
  const P = 7, END = 8, ROW = 9, E = 10, O = 11, R = 12;
  const firstV = 13;
  const lanes = CHUNK / 4;
  const acc = (i: number): number => firstV + i;
  const X = firstV + lanes;
  const k = new Code();
  k.block().get(CHUNKS).i32eqz().brIf(0).get(ROWS).i32eqz().brIf(0);
  k.loop();
  {
    k.get(PAIRS).set(P).get(ENDS).set(E).get(OUT).set(O).get(ROWS).set(R);
    k.loop();
    {
      for (let i = 0; i < lanes; i++) k.get(BIAS).v128load(i * 16).set(acc(i));
      k.get(E).op(0x28, 2, 0).set(END); // i32.load: this row's end in `pairs`
      k.block().get(P).get(END).op(0x46).brIf(0); // i32.eq: a row without nonzeros
      k.loop();
      {
        k.get(CT).get(P).op(0x28, 2, 0).i32add().set(ROW);
        k.get(P).loadSplat(4, 4).set(X);
        for (let i = 0; i < lanes; i++) {
          k.get(acc(i)).get(X).get(ROW).v128load(i * 16).simd(F32X4_MUL).simd(F32X4_ADD).set(acc(i));
        }
        k.get(P).i32(8).i32add().tee(P).get(END).i32ne().brIf(0);
      }
      k.end();
      k.end();
      for (let i = 0; i < lanes; i++) k.get(O).get(acc(i)).v128store(i * 16);
      k.get(O).i32(outRowBytes).i32add().set(O);
      k.get(E).i32(4).i32add().set(E);
      k.get(R).i32(1).i32sub().tee(R).brIf(0);
    }
    k.end();
    k.get(CT).i32(CHUNK * 4).i32add().set(CT);
    k.get(BIAS).i32(CHUNK * 4).i32add().set(BIAS);
    k.get(OUT).i32(CHUNK * 4).i32add().set(OUT);
    k.get(CHUNKS).i32(1).i32sub().tee(CHUNKS).brIf(0);
  }
  k.end();
  k.end();
  const locals = [I32, I32, I32, I32, I32, I32, ...new Array<number>(lanes + 1).fill(V128)];
  return buildModule(
    [{ name: "sparse", params: [I32, I32, I32, I32, I32, I32, I32], locals, code: k }],
    { minPages: pages, maxPages: pages, shared: false },
  );
}

type SparseFn = (ct: number, bias: number, out: number, pairs: number, ends: number, rows: number, chunks: number) => void;

/** Rows per kernel call. */
const BLOCK = 64;

/**
 * Projects rows with few nonzeros: unnormalized (x − mean) · componentsᵀ computed as
 * Σ over x's nonzeros minus the precomputed components · mean. Build once per model.
 * Use: {@link SparseProjector.add} rows (it refuses dense ones) and {@link SparseProjector.flush}
 * before it reports {@link SparseProjector.full} or at the end.
 */
export class SparseProjector {
  readonly #d: number;
  readonly #k: number;
  readonly #kPad: number;
  readonly #maxNonzeros: number;
  readonly #fn: SparseFn;
  readonly #f32: Float32Array;
  readonly #i32: Int32Array;
  readonly #biasOff: number;
  readonly #outOff: number;
  readonly #endsOff: number;
  readonly #pairsOff: number;
  /** Output position (in elements) of each collected row. */
  readonly #targets = new Int32Array(BLOCK);
  #rows = 0;
  /** Next free pair slot, in 4-byte words. */
  #p: number;

  /** Null when WebAssembly is unavailable. */
  static create(model: PcaModel, maxNonzeros: number): SparseProjector | null {
    return wasm === undefined ? null : new SparseProjector(model, maxNonzeros);
  }

  private constructor(model: PcaModel, maxNonzeros: number) {
    const d = model.inputDimensions;
    const k = model.outputDimensions;
    const kPad = Math.ceil(k / CHUNK) * CHUNK;
    this.#d = d;
    this.#k = k;
    this.#kPad = kPad;
    this.#maxNonzeros = maxNonzeros;
    this.#biasOff = d * kPad * 4;
    this.#outOff = this.#biasOff + kPad * 4;
    this.#endsOff = this.#outOff + BLOCK * kPad * 4;
    this.#pairsOff = this.#endsOff + BLOCK * 4;
    this.#p = this.#pairsOff >> 2;
    const pages = pagesFor(this.#pairsOff + BLOCK * maxNonzeros * 8);
    const memory = createMemory(pages);
    const mod = new wasm!.Module(sparseModuleBytes(pages, kPad * 4));
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

  /** True when a block is collected: call {@link SparseProjector.flush} before adding more. */
  get full(): boolean {
    return this.#rows === BLOCK;
  }

  /**
   * Collects row `row` of `input` (width d), to be written at `out[at .. at + k)` by the
   * next flush, when it has at most `maxNonzeros` nonzeros; otherwise collects nothing
   * and returns false.
   */
  add(input: Float32Array, row: number, at: number): boolean {
    const d = this.#d;
    const f32 = this.#f32;
    const i32 = this.#i32;
    const rowBytes = this.#kPad * 4;
    const max = this.#maxNonzeros;
    let p = this.#p;
    let nnz = 0;
    const base = row * d;
    for (let j = 0; j < d; j++) {
      const v = input[base + j]!;
      if (v === 0) continue;
      if (++nnz > max) return false;
      i32[p] = j * rowBytes;
      f32[p + 1] = v;
      p += 2;
    }
    this.#p = p;
    i32[(this.#endsOff >> 2) + this.#rows] = p << 2;
    this.#targets[this.#rows++] = at;
    return true;
  }

  /** Projects the collected rows (unnormalized) into their places in `out`. */
  flush(out: Float32Array): void {
    const n = this.#rows;
    if (n === 0) return;
    this.#fn(0, this.#biasOff, this.#outOff, this.#pairsOff, this.#endsOff, n, this.#kPad / CHUNK);
    const k = this.#k;
    const kPad = this.#kPad;
    const f32 = this.#f32;
    for (let r = 0; r < n; r++) {
      const o = (this.#outOff >> 2) + r * kPad;
      out.set(f32.subarray(o, o + k), this.#targets[r]!);
    }
    this.#rows = 0;
    this.#p = this.#pairsOff >> 2;
  }
}
