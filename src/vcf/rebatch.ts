/** Re-cuts a stream of arrays of any length into arrays of exactly `size` (the last may be shorter). */

/**
 * Yields arrays of `size` items taken in order from `source`. When `source` fails, the
 * items already received are yielded before the error is rethrown, so a consumer gets
 * everything that was read before a bad line.
 * @example for await (const b of rebatch(chunks, 25)) embed(b);
 */
export async function* rebatch<T>(source: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  let failure: unknown;
  try {
    for await (const arr of source) {
      let i = 0;
      if (batch.length > 0) {
        while (i < arr.length && batch.length < size) batch.push(arr[i++] as T);
        if (batch.length < size) continue;
        yield batch;
        batch = [];
      }
      if (i === 0 && arr.length === size) {
        yield arr; // the common case: no copy
        continue;
      }
      for (; arr.length - i >= size; i += size) yield arr.slice(i, i + size);
      for (; i < arr.length; i++) batch.push(arr[i] as T);
    }
  } catch (err) {
    failure = err;
  }
  if (batch.length > 0) yield batch;
  if (failure !== undefined) throw failure;
}
