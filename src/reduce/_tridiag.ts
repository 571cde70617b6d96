/**
 * Householder reduction of a symmetric matrix to tridiagonal form (LAPACK dsytd2, lower).
 * Its two O(n²)-per-step loops — the symmetric matrix-vector product and the rank-2
 * update of the trailing block — run as f64x2 WebAssembly SIMD emitted here, over a copy
 * of the matrix in WebAssembly memory; plain JS loops are the fallback. Internal.
 */
import { runSteps, type Steps } from "./_steps.js";
import { Code, F64, I32, V128, buildModule, wasm } from "./_wasm.js";
import { createMemory, pagesFor, simdSupported } from "./_gemm.js";

/** T = Qᵀ A Q with Q = H_0 … H_{n−3}, H_j = I − τ_j v_j v_jᵀ. */
export interface Tridiagonal {
  readonly diag: Float64Array;
  readonly off: Float64Array;
  readonly tau: Float64Array;
  /**
   * Row-major n × n matrix whose row j, right of the diagonal, holds v_j
   * (v_j[j+1] = 1, v_j[i] for i > j+1; zero before j+1).
   */
  readonly reflectors: Float64Array;
}

interface TrailingOps {
  /** p[s..n) += A22 v over the lower triangle of rows/columns s..n−1. */
  symv(s: number): void;
  /** A22 −= v pᵀ + p vᵀ on the lower triangle of rows/columns s..n−1. */
  rank2(s: number): void;
}

/** Tridiagonalizes the symmetric `n × n` matrix `a` (lower triangle read; `a` may be modified). */
export function tridiagonalize(a: Float64Array, n: number, signal?: AbortSignal): Tridiagonal {
  return runSteps(tridiagonalizeSteps(a, n), signal);
}

/** {@link tridiagonalize} as {@link Steps}: it yields every 8 columns. */
export function tridiagonalizeSteps(a: Float64Array, n: number): Steps<Tridiagonal> {
  if (simdSupported() && n >= 8) {
    const w = wasmWorkspace(n);
    w.a.set(a.subarray(0, n * n));
    return reduce(w.a, n, w.v, w.p, w.ops);
  }
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  return reduce(a, n, v, p, jsOps(a, n, v, p));
}

function* reduce(a: Float64Array, n: number, v: Float64Array, p: Float64Array, ops: TrailingOps): Steps<Tridiagonal> {
  const diag = new Float64Array(n);
  const off = new Float64Array(Math.max(0, n - 1));
  const tau = new Float64Array(Math.max(0, n - 1));
  for (let j = 0; j < n - 2; j++) {
    if (j > 0 && (j & 7) === 0) yield;
    const s = j + 1; // first index of the trailing block
    const alpha = a[s * n + j]!;
    let xnorm2 = 0;
    for (let i = s + 1; i < n; i++) {
      const x = a[i * n + j]!;
      xnorm2 += x * x;
    }
    diag[j] = a[j * n + j]!;
    if (xnorm2 === 0) {
      // Already tridiagonal in this column: identity reflector.
      off[j] = alpha;
      tau[j] = 0;
      continue;
    }
    const beta = -Math.sign(alpha || 1) * Math.sqrt(alpha * alpha + xnorm2);
    const t = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    off[j] = beta;
    tau[j] = t;
    v[s] = 1;
    a[j * n + s] = 1;
    for (let i = s + 1; i < n; i++) {
      const vi = a[i * n + j]! * scale;
      v[i] = vi;
      a[j * n + i] = vi;
    }
    p.fill(0, s, n);
    ops.symv(s);
    let pv = 0;
    for (let i = s; i < n; i++) {
      const pi = p[i]! * t;
      p[i] = pi;
      pv += pi * v[i]!;
    }
    // w = τ A v − ½ τ (τ vᵀ A v) v makes the two-sided update a symmetric rank-2 one.
    const kk = -0.5 * t * pv;
    for (let i = s; i < n; i++) p[i] = p[i]! + kk * v[i]!;
    ops.rank2(s);
  }
  if (n >= 2) {
    diag[n - 2] = a[(n - 2) * n + n - 2]!;
    off[n - 2] = a[(n - 1) * n + n - 2]!;
    tau[n - 2] = 0;
  }
  diag[n - 1] = a[(n - 1) * n + n - 1]!;
  return { diag, off, tau, reflectors: a };
}

function jsOps(a: Float64Array, n: number, v: Float64Array, p: Float64Array): TrailingOps {
  return {
    symv(s) {
      // Each lower-triangle row is read once for both halves of the symmetric product.
      for (let i = s; i < n; i++) {
        const row = i * n;
        const vi = v[i]!;
        let acc = 0;
        for (let c = s; c < i; c++) {
          const aic = a[row + c]!;
          acc += aic * v[c]!;
          p[c] = p[c]! + aic * vi;
        }
        p[i] = p[i]! + acc + a[row + i]! * vi;
      }
    },
    rank2(s) {
      for (let i = s; i < n; i++) {
        const row = i * n;
        const vi = v[i]!;
        const pi = p[i]!;
        for (let c = s; c <= i; c++) a[row + c] = a[row + c]! - vi * p[c]! - pi * v[c]!;
      }
    },
  };
}

interface Workspace {
  readonly a: Float64Array;
  readonly v: Float64Array;
  readonly p: Float64Array;
  readonly ops: TrailingOps;
}

function wasmWorkspace(n: number): Workspace {
  const vOff = n * n * 8;
  const pOff = vOff + n * 8;
  const pages = pagesFor(pOff + n * 8);
  const memory = createMemory(pages);
  if (wasm === undefined) throw new Error("WebAssembly is not available in this runtime");
  const mod = new wasm.Module(trailingModule(pages));
  const ex = new wasm.Instance(mod, { env: { memory } }).exports as { symv: (a: number, n: number, s: number, v: number, p: number) => void; rank2: (a: number, n: number, s: number, v: number, p: number) => void };
  return {
    a: new Float64Array(memory.buffer, 0, n * n),
    v: new Float64Array(memory.buffer, vOff, n),
    p: new Float64Array(memory.buffer, pOff, n),
    ops: {
      symv: (s) => ex.symv(0, n, s, vOff, pOff),
      rank2: (s) => ex.rank2(0, n, s, vOff, pOff),
    },
  };
}

// Opcodes used below (WebAssembly core and SIMD).
const F64_LOAD = 0x2b, F64_STORE = 0x39, F64_ADD = 0xa0, F64_SUB = 0xa1, F64_MUL = 0xa2;
const I32_LT_U = 0x49, I32_LE_U = 0x4d, I32_EQ = 0x46;
const F64X2_SPLAT = 0x14, F64X2_EXTRACT = 0x21, F64X2_ADD = 0xf0, F64X2_SUB = 0xf1, F64X2_MUL = 0xf2;

/**
 * `symv(a, n, s, v, p)` and `rank2(a, n, s, v, p)` over byte offsets: the JS loops of
 * {@link jsOps}, two columns per f64x2 step with a scalar tail column.
 */
function trailingModule(pages: number): Uint8Array<ArrayBuffer> {
  const A = 0, N = 1, S = 2, VP = 3, PP = 4;
  const I = 5, ROW = 6, RC = 7, VC = 8, PC = 9, DIAG = 10; // i32 locals
  const SCAL = 11, VI = 12, PI = 13; // f64 locals
  const ACC = 14, VI2 = 15, PI2 = 16, X = 17; // v128 locals
  const locals = [I32, I32, I32, I32, I32, I32, F64, F64, F64, V128, V128, V128, V128];
  const f64load = (c: Code, ptr: number): Code => c.get(ptr).op(F64_LOAD, 3, 0);
  const f64loadLocal = (c: Code): Code => c.op(F64_LOAD, 3, 0);

  // Shared prologue of one row: ROW = a + i·n·8, DIAG = ROW + i·8, RC/VC/PC = column s pointers.
  const rowSetup = (c: Code): void => {
    c.get(A).get(I).get(N).i32mul().i32(8).i32mul().i32add().set(ROW);
    c.get(ROW).get(I).i32(8).i32mul().i32add().set(DIAG);
    c.get(ROW).get(S).i32(8).i32mul().i32add().set(RC);
    c.get(VP).get(S).i32(8).i32mul().i32add().set(VC);
    c.get(PP).get(S).i32(8).i32mul().i32add().set(PC);
  };
  const advance = (c: Code, bytes: number): void => {
    c.get(RC).i32(bytes).i32add().set(RC);
    c.get(VC).i32(bytes).i32add().set(VC);
    c.get(PC).i32(bytes).i32add().set(PC);
  };

  // symv: for each row i ≥ s: acc = Σ_{c<i} a[i][c] v[c]; p[c] += a[i][c] v[i]; p[i] += acc + a[i][i] v[i].
  const symv = new Code();
  symv.get(S).set(I);
  symv.block().get(I).get(N).op(I32_LT_U).i32eqz().brIf(0);
  symv.loop();
  {
    rowSetup(symv);
    symv.get(VP).get(I).i32(8).i32mul().i32add();
    f64loadLocal(symv).tee(VI).simd(F64X2_SPLAT).set(VI2);
    symv.v128zero().set(ACC);
    // Pairs while c + 1 < i, i.e. RC + 16 ≤ DIAG.
    symv.block().loop();
    symv.get(RC).i32(16).i32add().get(DIAG).op(I32_LE_U).i32eqz().brIf(1);
    symv.get(RC).v128load(0).set(X);
    symv.get(ACC).get(X).get(VC).v128load(0).simd(F64X2_MUL).simd(F64X2_ADD).set(ACC);
    symv.get(PC).get(PC).v128load(0).get(X).get(VI2).simd(F64X2_MUL).simd(F64X2_ADD).v128store(0);
    advance(symv, 16);
    symv.br(0); // next pair
    symv.end().end();
    symv.get(ACC).simd(F64X2_EXTRACT, 0).get(ACC).simd(F64X2_EXTRACT, 1).op(F64_ADD).set(SCAL);
    // Tail column c = i − 1 when (i − s) is odd.
    symv.get(RC).get(DIAG).op(I32_LT_U).if();
    {
      symv.get(SCAL);
      f64load(symv, RC);
      f64load(symv, VC);
      symv.op(F64_MUL).op(F64_ADD).set(SCAL);
      symv.get(PC);
      f64load(symv, PC);
      f64load(symv, RC);
      symv.get(VI).op(F64_MUL).op(F64_ADD).op(F64_STORE, 3, 0);
    }
    symv.end();
    // p[i] += acc + a[i][i] v[i]
    symv.get(PP).get(I).i32(8).i32mul().i32add().set(PC);
    symv.get(PC);
    f64load(symv, PC);
    symv.get(SCAL);
    f64load(symv, DIAG);
    symv.get(VI).op(F64_MUL).op(F64_ADD).op(F64_ADD).op(F64_STORE, 3, 0);
    symv.get(I).i32(1).i32add().tee(I).get(N).op(I32_LT_U).brIf(0);
  }
  symv.end().end();

  // rank2: for each row i ≥ s, columns s..i: a[i][c] −= v[i] p[c] + p[i] v[c].
  const r2 = new Code();
  r2.get(S).set(I);
  r2.block().get(I).get(N).op(I32_LT_U).i32eqz().brIf(0);
  r2.loop();
  {
    rowSetup(r2);
    r2.get(VP).get(I).i32(8).i32mul().i32add();
    f64loadLocal(r2).tee(VI).simd(F64X2_SPLAT).set(VI2);
    r2.get(PP).get(I).i32(8).i32mul().i32add();
    f64loadLocal(r2).tee(PI).simd(F64X2_SPLAT).set(PI2);
    // Pairs while c + 1 ≤ i, i.e. RC + 8 ≤ DIAG.
    r2.block().loop();
    r2.get(RC).i32(8).i32add().get(DIAG).op(I32_LE_U).i32eqz().brIf(1);
    r2.get(RC).get(RC).v128load(0);
    r2.get(VI2).get(PC).v128load(0).simd(F64X2_MUL);
    r2.get(PI2).get(VC).v128load(0).simd(F64X2_MUL).simd(F64X2_ADD);
    r2.simd(F64X2_SUB).v128store(0);
    advance(r2, 16);
    r2.br(0); // next pair
    r2.end().end();
    // Tail column c = i when (i − s + 1) is odd.
    r2.get(RC).get(DIAG).op(I32_EQ).if();
    {
      r2.get(RC);
      f64load(r2, RC);
      r2.get(VI);
      f64load(r2, PC);
      r2.op(F64_MUL).get(PI);
      f64load(r2, VC);
      r2.op(F64_MUL).op(F64_ADD).op(F64_SUB).op(F64_STORE, 3, 0);
    }
    r2.end();
    r2.get(I).i32(1).i32add().tee(I).get(N).op(I32_LT_U).brIf(0);
  }
  r2.end().end();

  const params = [I32, I32, I32, I32, I32];
  return buildModule(
    [
      { name: "symv", params, locals, code: symv },
      { name: "rank2", params, locals, code: r2 },
    ],
    { minPages: pages, maxPages: pages, shared: false },
  );
}
