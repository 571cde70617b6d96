/**
 * {@link NativeWrites}: appends and merge-inserts of a variant batch through LanceDB's
 * native binding, with the Arrow IPC file serialized here, once, into a buffer that is
 * reused from one write to the next.
 *
 * Why: `Table.add` and `MergeInsertBuilder.execute` of @lancedb/lancedb 0.37.1 first fetch
 * the table's schema from the native side and parse it (to look for embedding functions,
 * which variant tables never have), rebuild the Arrow objects (ours come from another
 * apache-arrow module instance), join the IPC chunks into a new zero-filled array and then
 * copy that again with `Buffer.from`: two fresh ~7 MB arrays per 2,048-row batch, each
 * costing page faults and a zero fill. The native side only needs the IPC file bytes
 * (`add(buf, mode)`, `mergeInsert(on).….execute(buf)`, both copying them before they read).
 * When the binding does not look as expected (another LanceDB version, a remote table),
 * the wrapper's methods are used instead.
 */
import type * as lancedb from "@lancedb/lancedb";
import { RecordBatchFileWriter, type Table } from "apache-arrow";

/** The subset of LanceDB's native table used for writes (`node_modules/@lancedb/lancedb/dist/native.d.ts`). */
interface NativeTable {
  add(buf: Buffer, mode: string): Promise<lancedb.AddResult>;
  mergeInsert(on: string[]): NativeMergeInsert;
}
interface NativeMergeInsert {
  whenNotMatchedInsertAll(): NativeMergeInsert;
  whenMatchedUpdateAll(condition?: string | null): NativeMergeInsert;
  execute(buf: Buffer): Promise<lancedb.MergeResult>;
}

/** The native table behind a LanceDB `Table`, or null when it is not the expected binding. */
function nativeOf(table: lancedb.Table): NativeTable | null {
  const inner = (table as unknown as { inner?: unknown }).inner;
  if (typeof inner !== "object" || inner === null) return null;
  const t = inner as Partial<Record<keyof NativeTable, unknown>>;
  return typeof t.add === "function" && typeof t.mergeInsert === "function" ? (inner as NativeTable) : null;
}

/** First size of the reusable IPC buffer; it doubles until a batch fits, then stays. */
const INITIAL_IPC_BYTES = 1 << 20;

/**
 * Arrow's file writer with its output redirected from a queue of chunks (joined at the
 * end into a new array) into one growing Buffer. The bytes are the same IPC file.
 */
class BufferFileWriter extends RecordBatchFileWriter {
  out: Buffer;
  length = 0;

  constructor(out: Buffer) {
    super();
    this.out = out;
  }

  protected override _write(chunk: unknown): this {
    if (!this._started) return this;
    // The file writer passes typed arrays only (strings come from the JSON writer).
    if (!ArrayBuffer.isView(chunk)) throw new TypeError(`Arrow IPC writer produced a ${typeof chunk}, not bytes`);
    const n = chunk.byteLength;
    if (n === 0) return this;
    const end = this.length + n;
    if (end > this.out.length) {
      // Every byte below `length` is written before it is read, so no zero fill is needed.
      const grown = Buffer.allocUnsafe(Math.max(end, 2 * this.out.length));
      this.out.copy(grown, 0, 0, this.length);
      this.out = grown;
    }
    this.out.set(new Uint8Array(chunk.buffer, chunk.byteOffset, n), this.length);
    this.length = end;
    this._position += n;
    return this;
  }
}

/**
 * Writes Arrow tables to LanceDB tables, serializing each into one reused buffer. A buffer
 * is lent to exactly one native call and taken back when that call has settled (the native
 * side reads it asynchronously); a second write while one is in flight gets its own buffer.
 */
export class NativeWrites {
  #spare: Buffer | null = null;

  /**
   * Appends `data` in one commit.
   * @returns the table version the commit created.
   */
  async append(table: lancedb.Table, data: Table): Promise<lancedb.AddResult> {
    const native = nativeOf(table);
    if (native === null) return table.add(data);
    return this.#withIpc(data, (buf) => native.add(buf, "append"));
  }

  /**
   * Merge-inserts `data` keyed on `key` in one commit: unmatched rows are inserted, matched
   * rows are left alone, or replaced when `update` is true.
   */
  async merge(table: lancedb.Table, data: Table, key: string, update: boolean): Promise<lancedb.MergeResult> {
    const native = nativeOf(table);
    if (native === null) {
      let merge = table.mergeInsert(key).whenNotMatchedInsertAll();
      if (update) merge = merge.whenMatchedUpdateAll();
      return merge.execute(data);
    }
    let merge = native.mergeInsert([key]).whenNotMatchedInsertAll();
    if (update) merge = merge.whenMatchedUpdateAll();
    return this.#withIpc(data, (buf) => merge.execute(buf));
  }

  async #withIpc<T>(data: Table, use: (buf: Buffer) => Promise<T>): Promise<T> {
    const spare = this.#spare ?? Buffer.allocUnsafe(INITIAL_IPC_BYTES);
    this.#spare = null;
    const { bytes, buffer } = writeIpcFile(data, spare);
    try {
      return await use(bytes);
    } finally {
      this.#spare = buffer;
    }
  }
}

/**
 * Serializes `data` as one Arrow IPC file into `into`, or into a larger buffer when it does
 * not fit. The bytes equal those of apache-arrow's `RecordBatchFileWriter`.
 * @returns `bytes`, the file (a view of `buffer`), and `buffer`, to reuse for the next file.
 */
export function writeIpcFile(data: Table, into: Buffer): { bytes: Buffer; buffer: Buffer } {
  const writer = new BufferFileWriter(into);
  writer.writeAll(data);
  return { bytes: writer.out.subarray(0, writer.length), buffer: writer.out };
}
