/**
 * Run-time generated WebAssembly SIMD kernel for C = A · B, the hot loop of both the
 * PCA projection (Float32) and the covariance (Float64). Internal to src/reduce.
 *
 * Layout the kernel expects (all offsets in bytes inside one WebAssembly.Memory):
 * - A: `rowBlocks` blocks of R rows, row stride `lda` elements, `q` elements used per row.
 * - B: packed in panels of PW = C × lanes columns; each panel is `q` rows of PW contiguous
 *   elements, so the inner loop streams one panel linearly.
 * - C: row stride `ldc` elements; one call writes `panels × PW` columns of `rowBlocks × R` rows.
 *
 * Register blocking: R rows × C vectors of accumulators stay in SIMD registers across
 * the whole inner dimension; each step loads C vectors of B and R broadcast scalars of A.
 */
import { Code, V128, I32, buildModule, wasm, type WasmMemory } from "./_wasm.js";

/** Shape parameters baked into one generated kernel. */
export interface GemmShape {
  /** Element size: 4 = f32x4 lanes, 8 = f64x2 lanes. */
  readonly elementBytes: 4 | 8;
  /** Row stride of A, in elements. */
  readonly lda: number;
  /** Row stride of C, in elements. */
  readonly ldc: number;
  /** Rows per register block (R). */
  readonly rowBlock: number;
  /** 16-byte vectors per panel row (C). */
  readonly vectors: number;
}

/** Columns of one B panel. */
export function panelWidth(shape: Pick<GemmShape, "elementBytes" | "vectors">): number {
  return (shape.vectors * 16) / shape.elementBytes;
}

// Separate mul + add: fused multiply-add (relaxed SIMD) needs Node ≥ 22 and measured no faster here.
const OP = {
  f32: { add: 0xe4, mul: 0xe6 },
  f64: { add: 0xf0, mul: 0xf2 },
};

/**
 * Emits the module bytes for one kernel shape. The function is
 * `gemm(a, b, c, q, rowBlocks, panels, accumulate)`; with `accumulate` ≠ 0 it adds to C.
 * Strides are baked in as instruction immediates; `q` (the summed length) is a parameter.
 */
export function gemmModuleBytes(shape: GemmShape, memory: { minPages: number; maxPages: number; shared: boolean }): Uint8Array<ArrayBuffer> {
  const { elementBytes: es, lda, ldc, rowBlock: R, vectors: C } = shape;
  const pw = panelWidth(shape);
  const ops = es === 4 ? OP.f32 : OP.f64;
  // params
  const A = 0, B = 1, Cp = 2, Q = 3, ROWS = 4, PANELS = 5, ACCUM = 6;
  // i32 locals
  const PA = 7, PC = 8, AP = 9, BP = 10, END = 11, RB = 12, QB = 13, PSTRIDE = 14;
  const firstV = 15;
  const acc = (r: number, c: number): number => firstV + r * C + c;
  const w = (c: number): number => firstV + R * C + c;
  const x = firstV + R * C + C;
  const locals = [I32, I32, I32, I32, I32, I32, I32, I32, ...new Array<number>(R * C + C + 1).fill(V128)];

  const k = new Code();
  // QB = q · element bytes (one A row's span); PSTRIDE = q · PW · element bytes (one B panel).
  k.get(Q).i32(es).i32mul().set(QB);
  k.get(QB).i32(pw).i32mul().set(PSTRIDE);
  k.block().get(PANELS).i32eqz().brIf(0).get(Q).i32eqz().brIf(0);
  k.loop();
  {
    k.get(A).set(PA).get(Cp).set(PC).get(ROWS).set(RB);
    k.block().get(RB).i32eqz().brIf(0);
    k.loop();
    {
      k.get(ACCUM).if();
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) k.get(PC).v128load(r * ldc * es + c * 16).set(acc(r, c));
      k.else();
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) k.v128zero().set(acc(r, c));
      k.end();
      k.get(PA).set(AP).get(B).set(BP).get(PA).get(QB).i32add().set(END);
      k.loop();
      {
        for (let c = 0; c < C; c++) k.get(BP).v128load(c * 16).set(w(c));
        for (let r = 0; r < R; r++) {
          k.get(AP).loadSplat(es, r * lda * es).set(x);
          for (let c = 0; c < C; c++) {
            k.get(acc(r, c)).get(x).get(w(c)).simd(ops.mul).simd(ops.add).set(acc(r, c));
          }
        }
        k.get(AP).i32(es).i32add().set(AP);
        k.get(BP).i32(pw * es).i32add().set(BP);
        k.get(AP).get(END).i32ne().brIf(0);
      }
      k.end();
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) k.get(PC).get(acc(r, c)).v128store(r * ldc * es + c * 16);
      k.get(PA).i32(R * lda * es).i32add().set(PA);
      k.get(PC).i32(R * ldc * es).i32add().set(PC);
      k.get(RB).i32(1).i32sub().set(RB).get(RB).brIf(0);
    }
    k.end();
    k.end();
    k.get(B).get(PSTRIDE).i32add().set(B);
    k.get(Cp).i32(pw * es).i32add().set(Cp);
    k.get(PANELS).i32(1).i32sub().set(PANELS).get(PANELS).brIf(0);
  }
  k.end();
  k.end();
  return buildModule([{ name: "gemm", params: [I32, I32, I32, I32, I32, I32, I32], locals, code: k }], memory);
}

/** Signature of the exported kernel. */
export type GemmFn = (a: number, b: number, c: number, q: number, rowBlocks: number, panels: number, accumulate: number) => void;

let simdOk: boolean | undefined;

const PROBE: GemmShape = { elementBytes: 4, lda: 4, ldc: 4, rowBlock: 1, vectors: 1 };

/**
 * True when this runtime validates WebAssembly SIMD (Node ≥ 16.4) and the environment
 * does not set `VCF_AGENT_WASM_SIMD=0` (which selects the plain-JS kernels everywhere).
 */
export function simdSupported(): boolean {
  if (process.env["VCF_AGENT_WASM_SIMD"] === "0") return false;
  simdOk ??= safeValidate(gemmModuleBytes(PROBE, { minPages: 1, maxPages: 1, shared: false }));
  return simdOk;
}

function safeValidate(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return wasm?.validate(bytes) ?? false;
  } catch {
    return false;
  }
}

/** Compiles the kernel for a fixed-size memory of `pages` pages (shared: for worker threads). */
export function compileGemm(shape: GemmShape, pages: number, shared = false): object {
  if (wasm === undefined) throw new Error("WebAssembly is not available in this runtime");
  return new wasm.Module(gemmModuleBytes(shape, { minPages: pages, maxPages: pages, shared }));
}

/** Instantiates a compiled kernel over `memory`. */
export function instantiateCompiled(module: object, memory: WasmMemory): GemmFn {
  if (wasm === undefined) throw new Error("WebAssembly is not available in this runtime");
  return new wasm.Instance(module, { env: { memory } }).exports["gemm"] as GemmFn;
}

/** Compiles and instantiates a kernel over a fixed-size, unshared `memory` of `pages` pages. */
export function instantiateGemm(shape: GemmShape, memory: WasmMemory, pages: number): GemmFn {
  return instantiateCompiled(compileGemm(shape, pages), memory);
}

/** A fixed-size memory of `pages` 64 KiB pages; `shared` for use from worker threads. */
export function createMemory(pages: number, shared = false): WasmMemory {
  if (wasm === undefined) throw new Error("WebAssembly is not available in this runtime");
  return new wasm.Memory({ initial: pages, maximum: pages, shared });
}

/** 64 KiB WebAssembly pages needed for `bytes`. */
export function pagesFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 65536));
}
