/** LanceDB failures as STORE errors that name the table, in words a user reads. */
import { VcfAgentError } from "../errors.js";

/** Runs a LanceDB call, turning its failures into STORE errors that name the table. */
export async function wrap<T>(where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw storeError(where, e);
  }
}

/**
 * LanceDB's message as a user reads it: the first cause only (the "Caused by" chain repeats
 * it), without the Rust source locations and the error-kind wrapper.
 * `lance error: LanceError(IO): No space left on device (os error 28), /usr/…/writer.rs:432:9  Caused by: …`
 * becomes `lance error: No space left on device (os error 28)`.
 */
function lanceMessage(m: string): string {
  return m
    .split(/\s+Caused by:/)[0]!
    .replace(/,\s*\/\S+\.rs:\d+:\d+/g, "")
    .replace(/LanceError\(\w+\): /g, "")
    .trim();
}

export function storeError(where: string, e: unknown): VcfAgentError {
  if (e instanceof VcfAgentError) return e;
  const message = e instanceof Error ? lanceMessage(e.message) : String(e);
  return new VcfAgentError(`${where}: ${message}`, "STORE", { cause: e });
}
