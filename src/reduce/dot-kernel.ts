/**
 * The exact dot product of the search tier's rerank (store/tier/_rerank.ts) in WebAssembly
 * SIMD: ⟨v, q⟩ and |v|² of a float32 vector read from disk against the query. Internal: not
 * exported from the package.
 */
import { buildModule, Code, I32, uleb, V128, wasm } from "./_wasm.js";
import { simdSupported } from "./_gemm.js";

/**
 * ⟨v, q⟩ and |v|² in WebAssembly SIMD: the floats widened to doubles, two lanes per
 * accumulator, the four partial sums added in the rerank's order (the same doubles as its
 * JS loop). Query and vector live in the kernel's memory; `out` gets [⟨v, q⟩, |v|²].
 */
export interface DotKernel {
  readonly q: Float32Array;
  readonly v: Float32Array;
  readonly out: Float64Array;
  /** Widest vector it takes. */
  readonly capacity: number;
  run(d: number): void;
}

/** Widest vector the kernel takes (floats); its page holds query, vector and results. */
export const DOT_CAPACITY = 4096;

/** The dot kernel's module (bytes), or null without WebAssembly SIMD. */
export function dotModuleBytes(): Uint8Array<ArrayBuffer> | null {
  if (wasm === undefined || !simdSupported()) return null;
  // params: 0 n (floats); locals: 1 j, 2 end, 3 v, 4 q, 5 vlo, 6 vhi, 7 qlo, 8 qhi, 9..12 acc
  const J = 1, END = 2, V = 3, Q = 4, VLO = 5, VHI = 6, QLO = 7, QHI = 8, D01 = 9, D23 = 10, N01 = 11, N23 = 12;
  const high = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const k = new Code();
  k.get(0).i32(4).i32mul().set(END);
  k.block().get(END).i32eqz().brIf(0);
  k.loop();
  k.get(J).v128load(DOT_V).set(V);
  k.get(J).v128load(DOT_Q).set(Q);
  k.get(V).simd(0x5f).set(VLO); // f64x2.promote_low_f32x4
  k.get(V).get(V).simd(0x0d, ...high).simd(0x5f).set(VHI);
  k.get(Q).simd(0x5f).set(QLO);
  k.get(Q).get(Q).simd(0x0d, ...high).simd(0x5f).set(QHI);
  k.get(D01).get(VLO).get(QLO).simd(0xf2).simd(0xf0).set(D01); // += v·q (f64x2.mul, f64x2.add)
  k.get(D23).get(VHI).get(QHI).simd(0xf2).simd(0xf0).set(D23);
  k.get(N01).get(VLO).get(VLO).simd(0xf2).simd(0xf0).set(N01);
  k.get(N23).get(VHI).get(VHI).simd(0xf2).simd(0xf0).set(N23);
  k.get(J).i32(16).i32add().tee(J).get(END).i32ne().brIf(0);
  k.end();
  k.end();
  // ((s0 + s1) + s2) + s3, as the JS loop adds its four accumulators.
  for (const [a, b, at] of [[D01, D23, 0], [N01, N23, 8]] as const) {
    k.i32(0);
    k.get(a).simd(0x21, 0).get(a).simd(0x21, 1).op(0xa0).get(b).simd(0x21, 0).op(0xa0).get(b).simd(0x21, 1).op(0xa0);
    k.op(0x39, 3, ...uleb(DOT_OUT + at)); // f64.store
  }
  return buildModule([{ name: "dot", params: [I32], locals: [I32, I32, V128, V128, V128, V128, V128, V128, V128, V128, V128, V128], code: k }], {
    minPages: 1,
    maxPages: 1,
    shared: false,
  });
}

// Byte offsets in the kernel's one page: query, vector, the two results.
const DOT_Q = 0;
const DOT_V = DOT_CAPACITY * 4;
const DOT_OUT = DOT_CAPACITY * 8;

/**
 * A {@link DotKernel} over `module` (from {@link dotModuleBytes}, compiled). Self-contained: the
 * worker evaluates its source too.
 */
export function dotKernel(
  module: object,
  api: { Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer }; Instance: new (m: object, i: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> } },
  capacity: number,
): DotKernel {
  const memory = new api.Memory({ initial: 1, maximum: 1 });
  const run = new api.Instance(module, { env: { memory } }).exports["dot"] as (n: number) => void;
  // The layout of dotModuleBytes: query at 0, vector at 4 · capacity, results at 8 · capacity.
  return {
    q: new Float32Array(memory.buffer, 0, capacity),
    v: new Float32Array(memory.buffer, capacity * 4, capacity),
    out: new Float64Array(memory.buffer, capacity * 8, 2),
    capacity,
    run,
  };
}

let compiled: object | null | undefined;

/** The compiled dot module, once (it can be sent to a worker); null without WebAssembly SIMD. */
export function dotModule(): object | null {
  if (compiled === undefined) {
    const bytes = dotModuleBytes();
    compiled = bytes === null ? null : new wasm!.Module(bytes);
  }
  return compiled;
}

/** A kernel instantiated on this thread; null without WebAssembly SIMD. */
export function localDotKernel(): DotKernel | null {
  const m = dotModule();
  return m === null ? null : dotKernel(m, wasm!, DOT_CAPACITY);
}
