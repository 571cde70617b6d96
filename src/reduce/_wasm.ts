/**
 * A minimal WebAssembly binary writer: just enough to emit the SIMD matrix kernels of
 * `_gemm.ts` at run time. Emitting bytes from JS avoids a build-time toolchain, and lets
 * the kernels bake sizes (row stride, inner length) into instruction immediates.
 * Internal: not exported from the package.
 */

/** Value types used by the kernels. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 for 32-bit values. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Instruction builder for one function body; methods append opcodes and return `this`. */
export class Code {
  readonly bytes: number[] = [];
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(n: number): this {
    return this.op(0x41, ...sleb(n));
  }
  i32add(): this {
    return this.op(0x6a);
  }
  i32mul(): this {
    return this.op(0x6c);
  }
  i32sub(): this {
    return this.op(0x6b);
  }
  i32ne(): this {
    return this.op(0x47);
  }
  i32eqz(): this {
    return this.op(0x45);
  }
  /** `block` with no result. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  /** `loop` with no result. */
  loop(): this {
    return this.op(0x03, 0x40);
  }
  /** `if` with no result. */
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  /** SIMD-prefixed instruction. */
  simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }
  /** v128.load with a constant byte offset; alignment hint 16 bytes. */
  v128load(offset: number): this {
    return this.simd(0x00, 4, ...uleb(offset));
  }
  v128store(offset: number): this {
    return this.simd(0x0b, 4, ...uleb(offset));
  }
  /** v128.load32_splat (4-byte lanes) or v128.load64_splat (8-byte lanes). */
  loadSplat(laneBytes: 4 | 8, offset: number): this {
    return laneBytes === 4 ? this.simd(0x09, 2, ...uleb(offset)) : this.simd(0x0a, 3, ...uleb(offset));
  }
  v128zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
}

/** One exported function of a module. */
export interface FuncDef {
  readonly name: string;
  readonly params: readonly number[];
  readonly locals: readonly number[];
  readonly code: Code;
}

/**
 * Serializes a module that imports its memory as `env.memory` (so several instances,
 * or workers, can share one buffer) and exports the given functions.
 */
export function buildModule(funcs: readonly FuncDef[], memory: { minPages: number; maxPages: number; shared: boolean }): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0x00]);
  const memType = [memory.shared ? 0x03 : 0x01, ...uleb(memory.minPages), ...uleb(memory.maxPages)];
  const imports = [[...name("env"), ...name("memory"), 0x02, ...memType]];
  const bodies = funcs.map((f) => {
    // Locals are declared one entry per local: simple, and the count is small.
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.code.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ];
  return new Uint8Array(bytes);
}

/** The WebAssembly memory surface the kernels use. */
export interface WasmMemory {
  /** An ArrayBuffer, or a SharedArrayBuffer for shared memories. */
  readonly buffer: ArrayBuffer;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
}

/**
 * The runtime's WebAssembly namespace, typed locally: the project's `lib` (ES2023, no DOM)
 * and @types/node 20 do not declare it. Undefined where WebAssembly is disabled (`--jitless`).
 */
export const wasm: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
