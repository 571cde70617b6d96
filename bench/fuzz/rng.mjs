// A small toolbox over a seeded generator (the project's mulberry32, passed in), so every
// fuzz case is a pure function of (run seed, case number).

/** Seed of case `index` in a run seeded with `runSeed` (a 32-bit mix of the two). */
export function caseSeed(runSeed, index) {
  let h = Math.imul((runSeed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = (h ^ Math.imul(index >>> 0, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** Integer, choice and byte helpers over `next()` ∈ [0, 1). */
export class Rng {
  constructor(next) {
    this.next = next;
  }
  /** Integer in [0, n). */
  int(n) {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  /** Integer in [lo, hi], log-uniform: small values as likely per octave as large ones. */
  logRange(lo, hi) {
    return Math.min(hi, Math.floor(Math.exp(Math.log(lo) + this.next() * (Math.log(hi + 1) - Math.log(lo)))));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(items) {
    return items[this.int(items.length)];
  }
  /** Picks a key of `weights` ({ name: weight }) with probability proportional to its weight. */
  weighted(weights) {
    const entries = Object.entries(weights);
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1][0];
  }
  /** A 32-bit seed for a sub-generator. */
  seed() {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
  /** `n` characters drawn from `alphabet`. */
  text(n, alphabet) {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}
