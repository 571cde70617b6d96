/**
 * Mulberry32: a tiny seeded 32-bit generator. Used wherever a run must be repeatable —
 * the PCA training reservoir, synthetic test and benchmark data, benchmark query sets —
 * never for anything that needs unpredictability.
 *
 * @param seed - any number; only its low 32 bits are used.
 * @returns a function giving the next value in [0, 1), each a multiple of 2⁻³², the same
 *   sequence for the same seed on every platform.
 * @example
 * const random = mulberry32(42);
 * const pick = Math.floor(random() * items.length);
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
