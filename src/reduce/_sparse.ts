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
import { createMemory, instantiateGemm, pagesFor, panelWidth, type GemmFn } from "./_gemm.js";
import type { PcaModel } from "./pca.js";

/** Output columns per register block: 8 f32x4 accumulators. */
/** Output columns per pass of the sparse kernel (its accumulators: 8 × f32x4). */
export const SPARSE_CHUNK = 32;
const CHUNK = SPARSE_CHUNK;

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
export function sparseModuleBytes(pages: number, outRowBytes: number): Uint8Array<ArrayBuffer> {
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

export type SparseFn = (ct: number, bias: number, out: number, pairs: number, ends: number, rows: number, chunks: number) => void;

/** Rows per kernel call. */
const BLOCK = 64;
/** Fewest shared columns for which the dense pass pays for itself. */
const MIN_SHARED = 32;
/** The GEMM kernel's register block: 4 rows × 2 f32x4 (8 columns). */
const GEMM = { elementBytes: 4, rowBlock: 4, vectors: 2 } as const;

/**
 * Projects rows with few nonzeros: unnormalized (x − mean) · componentsᵀ computed as
 * Σ over x's nonzeros minus the precomputed components · mean. Build once per model.
 * Use: {@link SparseProjector.add} rows (it refuses dense ones) and {@link SparseProjector.flush}
 * before it reports {@link SparseProjector.full} or at the end.
 *
 * Columns that are nonzero in every row of a block (the local embedder's 192 locus
 * coordinates are in every description) go through the dense GEMM kernel instead, which
 * loads each weight once per 4 rows rather than once per row: the sparse kernel then only
 * sums the rest. The packed weights of those columns are kept while the set repeats.
 */
export class SparseProjector {
  readonly #d: number;
  readonly #k: number;
  readonly #kPad: number;
  readonly #maxNonzeros: number;
  readonly #fn: SparseFn;
  readonly #gemm: GemmFn;
  readonly #f32: Float32Array;
  readonly #i32: Int32Array;
  readonly #biasOff: number;
  readonly #outOff: number;
  readonly #endsOff: number;
  readonly #pairsOff: number;
  /** Dense pass: packed weights of the shared columns (panels of 8 columns) and the rows' values there. */
  readonly #panelsOff: number;
  readonly #aOff: number;
  /** Output position (in elements) of each collected row. */
  readonly #targets = new Int32Array(BLOCK);
  /** Per input column: rows of the block where it is nonzero. */
  readonly #occupancy: Int32Array;
  /** Input column of each collected pair (the pairs hold CT byte offsets for the kernel). */
  readonly #cols: Int32Array;
  /** Per input column: its index among the packed shared columns, or −1. */
  readonly #sharedIndex: Int32Array;
  #shared: Int32Array = new Int32Array(0);
  /** `VCF_AGENT_PROJECTION_SHARED=0` turns the dense pass off (for measuring it). */
  readonly #useShared = process.env["VCF_AGENT_PROJECTION_SHARED"] !== "0";
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
    // A shared column is nonzero in every row, so there are at most maxNonzeros of them.
    this.#panelsOff = this.#pairsOff + BLOCK * maxNonzeros * 8;
    this.#aOff = this.#panelsOff + maxNonzeros * kPad * 4;
    this.#p = this.#pairsOff >> 2;
    this.#occupancy = new Int32Array(d);
    this.#cols = new Int32Array(BLOCK * maxNonzeros);
    this.#sharedIndex = new Int32Array(d).fill(-1);
    const pages = pagesFor(this.#aOff + BLOCK * maxNonzeros * 4);
    const memory = createMemory(pages);
    const mod = new wasm!.Module(sparseModuleBytes(pages, kPad * 4));
    this.#fn = new wasm!.Instance(mod, { env: { memory } }).exports["sparse"] as SparseFn;
    this.#gemm = instantiateGemm({ ...GEMM, lda: maxNonzeros, ldc: kPad }, memory, pages);
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
   * and returns false. `bits` may pass a Uint32Array view of `input` made once per batch.
   */
  add(input: Float32Array, row: number, at: number, bits?: Uint32Array): boolean {
    const d = this.#d;
    const f32 = this.#f32;
    const i32 = this.#i32;
    const cols = this.#cols;
    const occupancy = this.#occupancy;
    const rowBytes = this.#kPad * 4;
    const max = this.#maxNonzeros;
    const first = this.#pairsOff >> 2;
    const start = this.#p;
    let p = start;
    let nnz = 0;
    const base = row * d;
    // Hashed features leave most groups of four inputs all zero: test their bits at once.
    const u = bits ?? new Uint32Array(input.buffer, input.byteOffset, input.length);
    for (let j0 = 0; j0 < d; j0 += 4) {
      const b = base + j0;
      if (j0 + 4 <= d && (u[b]! | u[b + 1]! | u[b + 2]! | u[b + 3]!) === 0) continue;
      const stop = Math.min(j0 + 4, d);
      for (let j = j0; j < stop; j++) {
        const v = input[base + j]!;
        if (v === 0) continue;
        if (++nnz > max) {
          for (let q = start; q < p; q += 2) occupancy[cols[(q - first) >> 1]!]!--;
          return false;
        }
        i32[p] = j * rowBytes;
        f32[p + 1] = v;
        cols[(p - first) >> 1] = j;
        occupancy[j]!++;
        p += 2;
      }
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
    const k = this.#k;
    const kPad = this.#kPad;
    const f32 = this.#f32;
    const blocks = this.#denseColumns(n);
    this.#fn(0, this.#biasOff, this.#outOff, this.#pairsOff, this.#endsOff, n, kPad / CHUNK);
    if (blocks > 0) {
      this.#gemm(this.#aOff, this.#panelsOff, this.#outOff, this.#shared.length, blocks, kPad / panelWidth(GEMM), 1);
    }
    for (let r = 0; r < n; r++) {
      const o = (this.#outOff >> 2) + r * kPad;
      out.set(f32.subarray(o, o + k), this.#targets[r]!);
    }
    this.#rows = 0;
    this.#p = this.#pairsOff >> 2;
  }

  /**
   * Moves the values of the columns every row has into the dense pass's row-major block
   * (repacking their weights when the set changed) and compacts the remaining pairs.
   * Clears the occupancy counts. Returns the GEMM's 4-row blocks, 0 for no dense pass.
   */
  #denseColumns(n: number): number {
    const occupancy = this.#occupancy;
    const cols = this.#cols;
    const i32 = this.#i32;
    const f32 = this.#f32;
    const first = this.#pairsOff >> 2;
    const pairs = (this.#p - first) >> 1;
    const firstRowPairs = ((i32[this.#endsOff >> 2]! >> 2) - first) >> 1;
    const packed = this.#shared;
    // Keep the packed columns while every row still has them (repacking costs |columns| × k copies).
    let reuse = this.#useShared && n >= GEMM.rowBlock && packed.length >= MIN_SHARED;
    for (let i = 0; reuse && i < packed.length; i++) reuse = occupancy[packed[i]!] === n;
    if (!reuse) {
      let shared = 0;
      if (this.#useShared && n >= GEMM.rowBlock) for (let i = 0; i < firstRowPairs; i++) if (occupancy[cols[i]!] === n) shared++;
      if (shared < MIN_SHARED) {
        for (let i = 0; i < pairs; i++) occupancy[cols[i]!] = 0;
        return 0;
      }
      // The shared columns, in the first row's (ascending) order: every row has all of them.
      const columns = new Int32Array(shared);
      for (let i = 0, c = 0; c < shared; i++) if (occupancy[cols[i]!] === n) columns[c++] = cols[i]!;
      this.#pack(columns);
    }
    for (let i = 0; i < pairs; i++) occupancy[cols[i]!] = 0;
    const index = this.#sharedIndex;
    const lda = this.#maxNonzeros;
    const a = this.#aOff >> 2;
    const ends = this.#endsOff >> 2;
    // Compact each row's pairs in place; shared values go to its row of A.
    let w = first;
    let q = first;
    for (let r = 0; r < n; r++) {
      const rowEnd = i32[ends + r]! >> 2;
      const arow = a + r * lda;
      for (; q < rowEnd; q += 2) {
        const t = index[cols[(q - first) >> 1]!]!;
        if (t >= 0) f32[arow + t] = f32[q + 1]!;
        else {
          i32[w] = i32[q]!;
          f32[w + 1] = f32[q + 1]!;
          w += 2;
        }
      }
      i32[ends + r] = w << 2;
    }
    const blocks = Math.ceil(n / GEMM.rowBlock);
    // Rows past n in the last block are computed and ignored; zero them to keep them finite.
    f32.fill(0, a + n * lda, a + blocks * GEMM.rowBlock * lda);
    return blocks;
  }

  /** Packs the weights of `columns` into 8-column panels for the GEMM kernel (q = columns.length rows each). */
  #pack(columns: Int32Array): void {
    const index = this.#sharedIndex;
    for (const j of this.#shared) index[j] = -1;
    columns.forEach((j, t) => (index[j] = t));
    this.#shared = columns;
    const f32 = this.#f32;
    const kPad = this.#kPad;
    const pw = panelWidth(GEMM);
    const q = columns.length;
    const base = this.#panelsOff >> 2;
    for (let panel = 0; panel < kPad / pw; panel++) {
      const dst = base + panel * q * pw;
      for (let t = 0; t < q; t++) {
        const src = columns[t]! * kPad + panel * pw;
        for (let lane = 0; lane < pw; lane++) f32[dst + t * pw + lane] = f32[src + lane]!;
      }
    }
  }
}
