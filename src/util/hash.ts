/**
 * Deterministic 32-bit hashing for the local embedder: FNV-1a over UTF-16 code units
 * and murmur3's finalizer to derive independent streams. Same input, same bits, on
 * every machine; nothing here allocates.
 */

/** FNV-1a offset basis. */
export const FNV_OFFSET = 0x811c9dc5;

/** One FNV-1a step: folds code unit `c` into hash `h`. */
export function fnvStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** murmur3 fmix32: spreads every input bit over the output; unsigned result. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Lower-case ASCII letters, other code units unchanged. */
export function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Upper-case ASCII letters, other code units unchanged. */
export function upper(c: number): number {
  return c >= 97 && c <= 122 ? c - 32 : c;
}

/** FNV-1a of `text[start, end)` lower-cased; unsigned. */
export function hashLower(text: string, start = 0, end = text.length): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = fnvStep(h, lower(text.charCodeAt(i)));
  return h >>> 0;
}

/** FNV-1a of `text[start, end)` upper-cased; unsigned. */
export function hashUpper(text: string, start = 0, end = text.length): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = fnvStep(h, upper(text.charCodeAt(i)));
  return h >>> 0;
}

/** A hash of the pair (a, b), order-sensitive, independent of either. */
export function combine(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b ^ 0x5bd1e995);
}
