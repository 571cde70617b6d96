/** Fast sin/cos of turns for the locus code, and the constants of derived feature positions. */

export const INV_SQRT2 = Math.SQRT1_2;
export const INV_SQRT3 = 1 / Math.sqrt(3);
/** Golden-ratio increment between the derived positions of one feature. */
export const STEP = 0x9e3779b9;

/** sin(2π·t) for t in [0, 1): a 4096-step table with linear interpolation (error < 3e-7). */
export const SINE_STEPS = 4096;
export const SINE = (() => {
  const t = new Float64Array(SINE_STEPS + 1);
  for (let i = 0; i <= SINE_STEPS; i++) t[i] = Math.sin((2 * Math.PI * i) / SINE_STEPS);
  return t;
})();
export function sinTurns(t: number): number {
  const x = t * SINE_STEPS;
  const i = Math.floor(x);
  const f = x - i;
  const a = SINE[i]!;
  return a + f * (SINE[i + 1]! - a);
}
export function cosTurns(t: number): number {
  const u = t + 0.25;
  return sinTurns(u >= 1 ? u - 1 : u);
}
