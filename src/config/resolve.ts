import { SECTIONS, type Section } from "./_fields.js";
import { originOf } from "./_origins.js";
import { configFromEnv } from "./env.js";
import { loadConfigFile } from "./file.js";
import { MemoryOptimizationConfig, buildMemoryOptions } from "./memory.js";
import { SessionConfig, buildEmbedding, buildStore } from "./session.js";
import type { ConfigInput } from "./types.js";

/** Where {@link resolveSessionConfig} reads from; every source optional. */
export interface ResolveOptions {
  /** Defaults of the caller (e.g. a command's own), below every other source. */
  defaults?: ConfigInput;
  /** A JSON or YAML config file. */
  file?: string;
  /** Environment to read `VCF_AGENT_*` from; pass `process.env` explicitly to use it. */
  env?: NodeJS.ProcessEnv;
  /** Explicit options (e.g. CLI flags), highest precedence. */
  overrides?: ConfigInput;
}

/**
 * Builds a SessionConfig from a file, the environment and explicit overrides, with
 * precedence level defaults < caller defaults < file < env < overrides: the level is taken from the
 * highest-precedence source that sets it, then every explicitly set option overrides
 * that level's defaults. Errors name each option as its source wrote it.
 *
 * @example
 * const config = await resolveSessionConfig({ file: "vcf-agent.yaml", env: process.env, overrides: { store: { table: "t" } } });
 */
export async function resolveSessionConfig(opts: ResolveOptions = {}): Promise<SessionConfig> {
  const sources: ConfigInput[] = [];
  if (opts.defaults !== undefined) sources.push(opts.defaults);
  if (opts.file !== undefined) sources.push(await loadConfigFile(opts.file));
  if (opts.env !== undefined) sources.push(configFromEnv(opts.env));
  if (opts.overrides !== undefined) sources.push(opts.overrides);

  const merged: Record<Section, Record<string, unknown>> = { memoryOptimization: {}, embedding: {}, store: {} };
  const names: Record<Section, Map<string, string>> = { memoryOptimization: new Map(), embedding: new Map(), store: new Map() };
  for (const source of sources) {
    for (const section of Object.keys(SECTIONS) as Section[]) {
      const values = (source as Record<string, unknown>)[section];
      if (values === undefined || values === null) continue;
      for (const [key, value] of Object.entries(values as object)) {
        if (value === undefined) continue;
        merged[section][key] = value;
        names[section].set(key, originOf(source, section, key) ?? (section === "memoryOptimization" ? key : `${section}.${key}`));
      }
    }
  }
  const nameIn = (section: Section) => (key: string) =>
    names[section].get(key) ?? (section === "memoryOptimization" ? key : `${section}.${key}`);

  // Validate with the sources' names first, so a cross-option error names the right source.
  const memory = new MemoryOptimizationConfig(buildMemoryOptions(merged.memoryOptimization, nameIn("memoryOptimization")));
  buildEmbedding(merged.embedding, nameIn("embedding"));
  buildStore(merged.store, nameIn("store"));
  return new SessionConfig({ memoryOptimization: memory, embedding: merged.embedding, store: merged.store });
}
