// Deterministic stand-in vectors for the loopback embedding servers of the provider tests
// (test/providers-fixtures.ts) and of bench/providers.mjs. Plain JavaScript so the
// benchmark, which runs on node without a TypeScript loader, can import it too.

/**
 * 32-bit FNV-1a hash of a string's UTF-16 code units.
 * @param {string} text
 * @returns {number} an unsigned 32-bit integer
 */
export function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * `dims` values in [-0.5, 0.5) from a xorshift32 stream started at `seed` (0 starts at 1,
 * since xorshift never leaves 0), stored as float32.
 * @param {number} seed
 * @param {number} dims
 * @returns {Float32Array}
 */
export function xorshiftVector(seed, dims) {
  let s = seed >>> 0 || 1;
  const v = new Float32Array(dims);
  for (let j = 0; j < dims; j++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    v[j] = s / 2 ** 32 - 0.5;
  }
  return v;
}
