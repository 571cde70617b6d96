import type { ConfigInput } from "./types.js";

/**
 * Where each option of a loaded ConfigInput came from, as the user wrote it
 * (`cache_max_size_mb (in cfg.yaml)`, `VCF_AGENT_TABLE`), keyed `section.camelKey`.
 * Kept beside the object rather than in it so inputs stay plain data.
 */
const ORIGINS = new WeakMap<ConfigInput, ReadonlyMap<string, string>>();

/** Remembers the origins of `input`'s options and returns `input`. */
export function recordOrigins(input: ConfigInput, origins: ReadonlyMap<string, string>): ConfigInput {
  ORIGINS.set(input, origins);
  return input;
}

/** The name under which the user wrote `section.key` in `input`, if recorded. */
export function originOf(input: ConfigInput, section: string, key: string): string | undefined {
  return ORIGINS.get(input)?.get(`${section}.${key}`);
}
