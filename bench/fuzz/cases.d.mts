import type { FuzzCase } from "./oracle.mjs";
import type { Seed } from "./seeds.mjs";
/** Relative draw weight of each mutator, by name. */
export const MUTATOR_WEIGHTS: Readonly<Record<string, number>>;
/** Default largest huge-field input in bytes. */
export const DEFAULT_MAX_HUGE: number;
/** Builds case `index` of the run seeded `runSeed` (a pure function of its arguments). */
export function generateCase(
  seeds: readonly Seed[],
  runSeed: number,
  index: number,
  mulberry32: (seed: number) => () => number,
  options?: { maxHuge?: number; mutators?: readonly string[] },
): FuzzCase;
