/**
 * Decoding and validation of embedding responses: one Float32Array per input, every one
 * the declared width, every value finite — or a PROVIDER error and no vectors at all.
 * Internal: not exported from the package.
 */
import { endianness } from "node:os";
import { VcfAgentError } from "../../errors.js";

const BIG_ENDIAN = endianness() === "BE";

/** What a batch is checked against; `dimensions` undefined means "learn it from this batch". */
export interface BatchExpectation {
  /** `<provider> <model>`, the prefix of every message. */
  label: string;
  /** Number of inputs sent. */
  count: number;
  /** Index of the batch's first input in the caller's list, so messages name the input. */
  offset: number;
  dimensions: number | undefined;
}

function fail(x: BatchExpectation, what: string): never {
  throw new VcfAgentError(`${x.label}: ${what}`, "PROVIDER");
}

/**
 * The float32 values of OpenAI's `encoding_format: "base64"` form (the vector's
 * little-endian bytes), decoded straight into the result's buffer; undefined when the text
 * is not a whole number of floats or holds characters outside base64.
 */
export function base64Floats(b64: string): Float32Array | undefined {
  const bytes = Buffer.byteLength(b64, "base64");
  if (bytes % 4 !== 0) return undefined;
  const out = new Float32Array(bytes / 4);
  const view = Buffer.from(out.buffer, out.byteOffset, bytes);
  if (view.write(b64, 0, bytes, "base64") !== bytes) return undefined;
  if (BIG_ENDIAN) view.swap32();
  return out;
}

function fromBase64(b64: string, x: BatchExpectation, input: number): Float32Array {
  const v = base64Floats(b64);
  if (v !== undefined) return v;
  const bytes = Buffer.byteLength(b64, "base64");
  if (bytes % 4 !== 0) fail(x, `input ${input}: base64 vector has ${bytes} bytes, not a multiple of 4`);
  return fail(x, `input ${input}: base64 vector decoded to ${Buffer.from(b64, "base64").length} bytes, expected ${bytes}`);
}

function fromNumbers(values: readonly unknown[], x: BatchExpectation, input: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number") fail(x, `input ${input}: value ${i} is not a number (${JSON.stringify(v)})`);
    out[i] = v;
  }
  return out;
}

/** One raw vector (base64 string, number array, or already decoded) to a Float32Array; width not yet checked. */
export function decodeVector(raw: unknown, x: BatchExpectation, input: number): Float32Array {
  if (raw instanceof Float32Array) return raw;
  if (typeof raw === "string") return fromBase64(raw, x, input);
  if (Array.isArray(raw)) return fromNumbers(raw, x, input);
  return fail(x, `input ${input}: embedding is ${raw === null ? "null" : typeof raw}, expected a base64 string or a number array`);
}

/**
 * Decodes and checks a batch of raw vectors in input order. Returns the vectors; throws
 * a PROVIDER error naming the first problem. Values are checked after the float32
 * conversion, so a number too large for float32 (1e39) is caught as not finite.
 */
export function validateBatch(raw: readonly unknown[], x: BatchExpectation): Float32Array[] {
  if (raw.length !== x.count) fail(x, `response had ${raw.length} vectors for ${x.count} inputs`);
  const out: Float32Array[] = new Array<Float32Array>(raw.length);
  let width = x.dimensions;
  for (let i = 0; i < raw.length; i++) {
    const input = x.offset + i;
    const v = decodeVector(raw[i], x, input);
    if (width === undefined) {
      if (v.length === 0) fail(x, `input ${input}: vector is empty`);
      width = v.length;
    }
    if (v.length !== width) fail(x, `input ${input}: vector has ${v.length} values, expected ${width}`);
    for (let j = 0; j < v.length; j++) {
      // NaN and ±Infinity are the only values for which x - x is not 0.
      const e = v[j] as number;
      if (e - e !== 0) fail(x, `input ${input}: value ${j} is not finite (${e})`);
    }
    out[i] = v;
  }
  return out;
}
