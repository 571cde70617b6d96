/**
 * The bit-code scan kernel of the in-memory search tier: for each row, S = Σ_j b_j · u_j, the
 * sum of the 4-bit query values u_j at the row's set code bits b_j (what the RaBitQ
 * estimator needs, see `_codes.ts`).
 *
 * Rows are kept in blocks of 32, laid out column-wise by groups of 4 code bits (the FastScan
 * layout of Johnson et al. and André et al., also used by RaBitQ): byte i of group g of a block
 * holds that group's 4 bits of row i in its low nibble and of row 16 + i in its high nibble.
 * A query becomes one 16-entry table per group (the sum of its u_j for every 4-bit pattern,
 * ≤ 60), and one `i8x16.swizzle` looks a group up for 16 rows at once. At 1M rows × 1,024
 * bits, 24,000 rows cost 0.24 ms this way against 1.0 ms with the row-wise bit planes and
 * `i8x16.popcnt` it replaces (docs/performance.md). WebAssembly SIMD where the runtime has it,
 * plain JS otherwise; both give the same integers. Used by the search tier (store/tier); not
 * exported from the package.
 */
import { buildModule, Code, I32, V128, wasm, type WasmMemory } from "./_wasm.js";
import { simdSupported } from "./_gemm.js";

/** Bytes of one 64 KiB WebAssembly page. */
const PAGE = 65_536;
/** Rows of one block. */
export const BLOCK_ROWS = 32;
/** Most blocks one {@link Scanner.scan} call takes. */
export const SCAN_BLOCKS = 512;
/** Groups summed in bytes before widening: 4 × 60 ≤ 255. */
const BYTE_GROUPS = 4;

/**
 * Emits `scan(codes, idx, n, luts, out)`: for k < n, block = idx[k] (i32), its bytes at
 * codes + block · blockBytes; writes the 32 rows' S as u16 at out + 64·k. `groups` (4-bit groups
 * a row) is a multiple of 8.
 */
function scanModule(groups: number, pages: number): Uint8Array<ArrayBuffer> {
  const blockBytes = groups * 16;
  // params: 0 codes, 1 idx, 2 n, 3 luts, 4 out; locals: 5 end, 6 p, 7 l, 8 p-end, 9..12 acc (u16 × 8: rows 0–7, 8–15, 16–23, 24–31),
  // 13 lo bytes, 14 hi bytes, 15 code bytes, 16 table, 17 nibble mask
  const IDX = 1, N = 2, LUT = 3, OUT = 4, END = 5, P = 6, L = 7, PEND = 8, ACC = 9, ALO = 13, AHI = 14, V = 15, T = 16, MASK = 17;
  const k = new Code();
  k.i32(0x0f).simd(0x0f).set(MASK); // i8x16.splat
  k.block().get(N).i32eqz().brIf(0);
  k.get(IDX).get(N).i32(4).i32mul().i32add().set(END);
  k.loop();
  {
    k.get(0).get(IDX).op(0x28, 2, 0).i32(blockBytes).i32mul().i32add().tee(P).i32(blockBytes).i32add().set(PEND);
    k.get(LUT).set(L);
    for (let a = 0; a < 4; a++) k.v128zero().set(ACC + a);
    k.loop();
    {
      // Eight groups an iteration, widened to u16 every four.
      for (let half = 0; half < 2; half++) {
        for (let u = 0; u < BYTE_GROUPS; u++) {
          const off = (half * BYTE_GROUPS + u) * 16;
          k.get(P).v128load(off).set(V);
          k.get(L).v128load(off).set(T);
          k.get(T).get(V).get(MASK).simd(0x4e).simd(0x0e); // swizzle(table, code & 0x0f)
          if (u > 0) k.get(ALO).simd(0x6e);
          k.set(ALO);
          k.get(T).get(V).i32(4).simd(0x6d).simd(0x0e); // swizzle(table, code >> 4)
          if (u > 0) k.get(AHI).simd(0x6e);
          k.set(AHI);
        }
        k.get(ACC).get(ALO).simd(0x89).simd(0x8e).set(ACC); // += extend_low_u
        k.get(ACC + 1).get(ALO).simd(0x8a).simd(0x8e).set(ACC + 1); // += extend_high_u
        k.get(ACC + 2).get(AHI).simd(0x89).simd(0x8e).set(ACC + 2);
        k.get(ACC + 3).get(AHI).simd(0x8a).simd(0x8e).set(ACC + 3);
      }
      k.get(L).i32(128).i32add().set(L);
      k.get(P).i32(128).i32add().tee(P).get(PEND).i32ne().brIf(0);
    }
    k.end();
    for (let a = 0; a < 4; a++) k.get(OUT).get(ACC + a).v128store(a * 16);
    k.get(OUT).i32(64).i32add().set(OUT);
    k.get(IDX).i32(4).i32add().tee(IDX).get(END).i32ne().brIf(0);
  }
  k.end();
  k.end();
  return buildModule(
    [{ name: "scan", params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128, V128], code: k }],
    { minPages: pages, maxPages: pages, shared: false },
  );
}

/** Per-row sums of a query's 4-bit values at the rows' set code bits, 32 rows (one block) at a time. */
export interface Scanner {
  /** Bytes of one row's code. */
  readonly codeBytes: number;
  /**
   * Stores row `row`'s code: `codeBytes` bytes of `code` from `offset`, bit j of the code
   * being bit (j mod 8) of byte ⌊j/8⌋. Written once at build time.
   */
  put(row: number, code: Uint8Array, offset?: number): void;
  /**
   * S of the 32 rows of each block listed in `blocks[0..n)` (n ≤ {@link SCAN_BLOCKS}):
   * the returned view holds row 32·blocks[k] + i at index 32·k + i, and is overwritten by
   * the next call. `luts` is {@link queryTables}' output.
   */
  scan(blocks: Int32Array, n: number, luts: Uint8Array): Uint16Array;
  /** Bytes held (codes plus the kernel's working space). */
  readonly bytes: number;
}

/**
 * The query's tables: for each group g of 4 code bits, entry v (0–15) = Σ of u_{4g+i} over
 * the bits i set in v. `u` holds the 4-bit query values (0–15), one per code bit.
 */
export function queryTables(u: Uint8Array, codeBytes: number, out = new Uint8Array(codeBytes * 32)): Uint8Array {
  const groups = codeBytes * 2;
  for (let g = 0; g < groups; g++) {
    const o = g * 16;
    out[o] = 0;
    for (let v = 1; v < 16; v++) {
      const low = v & -v; // lowest set bit
      out[o + v] = out[o + (v ^ low)]! + u[4 * g + 31 - Math.clz32(low)]!;
    }
  }
  return out;
}

/**
 * A scanner over `rows` codes of `codeBytes` each (a multiple of 16, at most 256). The
 * codes live in WebAssembly memory when SIMD is there.
 */
export function createScanner(rows: number, codeBytes: number): Scanner {
  if (codeBytes % 16 !== 0 || codeBytes < 16 || codeBytes > 256) throw new RangeError(`code bytes must be a multiple of 16 from 16 to 256, got ${codeBytes}`);
  const blocks = Math.ceil(rows / BLOCK_ROWS);
  const codeSpan = blocks * BLOCK_ROWS * codeBytes;
  if (wasm !== undefined && simdSupported()) {
    const work = SCAN_BLOCKS * 4 + SCAN_BLOCKS * BLOCK_ROWS * 2 + codeBytes * 32;
    const pages = Math.ceil((codeSpan + work + 16) / PAGE);
    const memory = new wasm.Memory({ initial: pages, maximum: pages });
    const instance = new wasm.Instance(new wasm.Module(scanModule(codeBytes * 2, pages)), { env: { memory } });
    const fn = instance.exports["scan"] as (c: number, i: number, n: number, l: number, o: number) => void;
    return wasmScanner(memory, fn, codeSpan, codeBytes, pages * PAGE);
  }
  return jsScanner(new Uint8Array(codeSpan), codeBytes);
}

/** Writes a row's code into the block layout. */
function putCode(codes: Uint8Array, codeBytes: number, row: number, code: Uint8Array, offset: number): void {
  const base = (row >> 5) * BLOCK_ROWS * codeBytes + (row & 15);
  const high = (row & 16) !== 0;
  for (let j = 0; j < codeBytes; j++) {
    const byte = code[offset + j]!;
    // Group 2j is the byte's low nibble, group 2j + 1 its high one.
    const a = base + 2 * j * 16;
    const b = a + 16;
    if (high) {
      codes[a] = (codes[a]! & 0x0f) | ((byte & 0x0f) << 4);
      codes[b] = (codes[b]! & 0x0f) | (byte & 0xf0);
    } else {
      codes[a] = (codes[a]! & 0xf0) | (byte & 0x0f);
      codes[b] = (codes[b]! & 0xf0) | (byte >> 4);
    }
  }
}

function wasmScanner(memory: WasmMemory, fn: (c: number, i: number, n: number, l: number, o: number) => void, codeSpan: number, codeBytes: number, bytes: number): Scanner {
  const idxOff = Math.ceil(codeSpan / 16) * 16;
  const outOff = idxOff + SCAN_BLOCKS * 4;
  const lutOff = outOff + SCAN_BLOCKS * BLOCK_ROWS * 2;
  const codes = new Uint8Array(memory.buffer, 0, codeSpan);
  const idx = new Int32Array(memory.buffer, idxOff, SCAN_BLOCKS);
  const res = new Uint16Array(memory.buffer, outOff, SCAN_BLOCKS * BLOCK_ROWS);
  const lutView = new Uint8Array(memory.buffer, lutOff, codeBytes * 32);
  return {
    codeBytes,
    bytes,
    put(row, code, offset = 0) {
      putCode(codes, codeBytes, row, code, offset);
    },
    scan(list, n, luts) {
      if (n > SCAN_BLOCKS) throw new RangeError(`at most ${SCAN_BLOCKS} blocks a scan, got ${n}`);
      lutView.set(luts.subarray(0, codeBytes * 32));
      idx.set(list.subarray(0, n));
      fn(0, idxOff, n, lutOff, outOff);
      return res;
    },
  };
}

function jsScanner(codes: Uint8Array, codeBytes: number): Scanner {
  const blockBytes = BLOCK_ROWS * codeBytes;
  const res = new Uint16Array(SCAN_BLOCKS * BLOCK_ROWS);
  return {
    codeBytes,
    bytes: codes.byteLength + res.byteLength,
    put(row, code, offset = 0) {
      putCode(codes, codeBytes, row, code, offset);
    },
    scan(list, n, luts) {
      if (n > SCAN_BLOCKS) throw new RangeError(`at most ${SCAN_BLOCKS} blocks a scan, got ${n}`);
      res.fill(0, 0, n * BLOCK_ROWS);
      for (let k = 0; k < n; k++) {
        const base = list[k]! * blockBytes;
        const o = k * BLOCK_ROWS;
        for (let g = 0, p = base; g < codeBytes * 2; g++, p += 16) {
          const t = g * 16;
          for (let i = 0; i < 16; i++) {
            const byte = codes[p + i]!;
            res[o + i] = res[o + i]! + luts[t + (byte & 15)]!;
            res[o + 16 + i] = res[o + 16 + i]! + luts[t + (byte >> 4)]!;
          }
        }
      }
      return res;
    },
  };
}

const POP8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

/** popcount of one code (its set bits): `codeBytes` bytes of `code` from `offset`. */
export function popcount(code: Uint8Array, offset: number, codeBytes: number): number {
  let c = 0;
  for (let j = offset, end = j + codeBytes; j < end; j++) c += POP8[code[j]!]!;
  return c;
}
