/** Row-major vector helpers shared by the PCA and projection tests. */
import { expect } from "vitest";

/** `rows` (all the same width) laid end to end in one row-major buffer. */
export function concatRows(rows: readonly Float32Array[]): Float32Array {
  const d = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(r, i * d));
  return out;
}

/** Largest |a[i] − b[i]|; fails the test when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
