/**
 * The bit-code scan kernel of the in-memory search tier: for each listed row, the weighted popcount
 * S = Σ_t 2^t · popcount(code ∧ plane_t) of its 1-bit code against the four bit planes of a
 * 4-bit query (what the RaBitQ estimator needs, see `_codes.ts`). WebAssembly SIMD
 * (`i8x16.popcnt`) where the runtime has it, plain JS otherwise; both give the same integers.
 * Used by the search tier (store/tier); not exported from the package.
 */
import { buildModule, Code, I32, uleb, V128, wasm, type WasmMemory } from "./_wasm.js";
import { simdSupported } from "./_gemm.js";

/** Bytes of one 64 KiB WebAssembly page. */
const PAGE = 65_536;
const PLANES = 4;
/**
 * Rows ahead whose code the kernel touches early. 24,000 rows taken at 32 % density from 75
 * partitions of 1,000: 2.8 ms without, 1.1 ms with 4–16 rows ahead (contiguous rows: 0.77 ms either way).
 */
const PREFETCH = 8;

/**
 * Emits `scan(codes, idx, n, planes, out)`: for k < n, row = idx[k] (i32), code at
 * codes + row · codeBytes, out[k] = S (i32). `codeBytes` is a multiple of 16 up to 256
 * (byte accumulators hold ≤ 8 · 16 per lane... kept ≤ 255 by that bound).
 */
function scanModule(codeBytes: number, pages: number): Uint8Array<ArrayBuffer> {
  const chunks = codeBytes / 16;
  // params: 0 codes, 1 idx, 2 n, 3 planes, 4 out; locals: 5 k-end, 6 base, 7 c, 8..11 acc, 12 t
  const CODES = 0, IDX = 1, N = 2, PL = 3, OUT = 4, END = 5, BASE = 6, C = 7, ACC = 8, T = 12, T0 = 13;
  const k = new Code();
  k.block().get(N).i32eqz().brIf(0);
  k.get(IDX).get(N).i32(4).i32mul().i32add().set(END);
  k.loop();
  {
    // base = codes + idx[k] * codeBytes
    k.get(CODES).get(IDX).op(0x28, 2, 0).i32(codeBytes).i32mul().i32add().set(BASE);
    // Touch the code PREFETCH rows ahead (one load per cache line, result dropped): a filter's
    // matches are scattered, and the loads overlap this row's work instead of stalling the next.
    // idx past n holds earlier row numbers or 0, all inside the codes.
    k.get(CODES).get(IDX).op(0x28, 2, 4 * PREFETCH).i32(codeBytes).i32mul().i32add().set(T0);
    for (let line = 0; line < codeBytes; line += 64) k.get(T0).op(0x28, 2, ...uleb(line)).op(0x1a);
    for (let t = 0; t < PLANES; t++) k.v128zero().set(ACC + t);
    for (let c = 0; c < chunks; c++) {
      k.get(BASE).v128load(c * 16).set(C);
      for (let t = 0; t < PLANES; t++) {
        k.get(ACC + t).get(C).get(PL).v128load(t * codeBytes + c * 16).simd(0x4e).simd(0x62).simd(0x6e).set(ACC + t);
      }
    }
    // Widen each plane's byte counts to i32 lanes, weight by 2^t, sum.
    for (let t = 0; t < PLANES; t++) {
      k.get(ACC + t).simd(0x7d).simd(0x7f);
      if (t > 0) k.i32(t).simd(0xab).get(T).simd(0xae);
      k.set(T);
    }
    k.get(OUT);
    k.get(T).simd(0x1b, 0).get(T).simd(0x1b, 1).i32add().get(T).simd(0x1b, 2).i32add().get(T).simd(0x1b, 3).i32add();
    k.op(0x36, 2, 0); // i32.store
    k.get(OUT).i32(4).i32add().set(OUT);
    k.get(IDX).i32(4).i32add().tee(IDX).get(END).i32ne().brIf(0);
  }
  k.end();
  k.end();
  return buildModule([{ name: "scan", params: [I32, I32, I32, I32, I32], locals: [I32, I32, V128, V128, V128, V128, V128, V128, I32], code: k }], { minPages: pages, maxPages: pages, shared: false });
}

/** Per-row weighted popcounts against a query's bit planes. */
export interface Scanner {
  /** Row codes, `rows × codeBytes`, written once at build time. */
  readonly codes: Uint8Array;
  /**
   * S for each row listed in `rows[0..n)`: `out[k]` for `rows[k]`. `planes` is
   * `4 × codeBytes` (plane t = bit t of every 4-bit query coordinate, in code bit order).
   */
  scan(rows: Int32Array, n: number, planes: Uint8Array, out: Int32Array): void;
  /** Bytes held (codes plus the kernel's working space). */
  readonly bytes: number;
}

/** Largest list of rows one kernel call takes (its index and output buffers). */
export const SCAN_BLOCK = 16_384;

/**
 * A scanner over `rows` codes of `codeBytes` each (a multiple of 16, at most 256). The
 * codes live in WebAssembly memory when SIMD is there (read them through `codes`).
 */
export function createScanner(rows: number, codeBytes: number): Scanner {
  if (codeBytes % 16 !== 0 || codeBytes < 16 || codeBytes > 256) throw new RangeError(`code bytes must be a multiple of 16 from 16 to 256, got ${codeBytes}`);
  const codeSpan = rows * codeBytes;
  if (wasm !== undefined && simdSupported()) {
    const work = SCAN_BLOCK * 8 + 256 + PLANES * codeBytes;
    const pages = Math.ceil((codeSpan + work + 16) / PAGE);
    const memory = new wasm.Memory({ initial: pages, maximum: pages });
    const instance = new wasm.Instance(new wasm.Module(scanModule(codeBytes, pages)), { env: { memory } });
    const fn = instance.exports["scan"] as (c: number, i: number, n: number, p: number, o: number) => void;
    return wasmScanner(memory, fn, rows, codeBytes, pages * PAGE);
  }
  return jsScanner(new Uint8Array(codeSpan), codeBytes);
}

function wasmScanner(memory: WasmMemory, fn: (c: number, i: number, n: number, p: number, o: number) => void, rows: number, codeBytes: number, bytes: number): Scanner {
  const codeSpan = rows * codeBytes;
  const idxOff = Math.ceil(codeSpan / 16) * 16;
  const outOff = idxOff + (SCAN_BLOCK + 64) * 4; // slack: the kernel reads PREFETCH entries past n
  const planeOff = outOff + SCAN_BLOCK * 4;
  const codes = new Uint8Array(memory.buffer, 0, codeSpan);
  const idx = new Int32Array(memory.buffer, idxOff, SCAN_BLOCK);
  const res = new Int32Array(memory.buffer, outOff, SCAN_BLOCK);
  const planeView = new Uint8Array(memory.buffer, planeOff, PLANES * codeBytes);
  return {
    codes,
    bytes,
    scan(list, n, planes, out) {
      planeView.set(planes.subarray(0, PLANES * codeBytes));
      for (let s = 0; s < n; s += SCAN_BLOCK) {
        const m = Math.min(SCAN_BLOCK, n - s);
        idx.set(list.subarray(s, s + m));
        fn(0, idxOff, m, planeOff, outOff);
        out.set(res.subarray(0, m), s);
      }
    },
  };
}

const POP8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

function jsScanner(codes: Uint8Array, codeBytes: number): Scanner {
  return {
    codes,
    bytes: codes.byteLength,
    scan(list, n, planes, out) {
      for (let k = 0; k < n; k++) {
        const base = list[k]! * codeBytes;
        let s = 0;
        for (let t = 0; t < PLANES; t++) {
          let c = 0;
          const p = t * codeBytes;
          for (let j = 0; j < codeBytes; j++) c += POP8[codes[base + j]! & planes[p + j]!]!;
          s += c << t;
        }
        out[k] = s;
      }
    },
  };
}

/** popcount of one code (its set bits). */
export function popcount(codes: Uint8Array, row: number, codeBytes: number): number {
  let c = 0;
  for (let j = row * codeBytes, end = j + codeBytes; j < end; j++) c += POP8[codes[j]!]!;
  return c;
}
