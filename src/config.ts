/**
 * Configuration: optimization levels, option schemas (validated at construction, errors
 * name the option), and loading from files (JSON/YAML, camelCase or snake_case) and
 * `VCF_AGENT_*` environment variables.
 */
export type {
  AnnIndexType,
  CachingStrategy,
  ConfigInput,
  EmbeddingOptions,
  MemoryOptimizationOptions,
  OptimizationLevel,
  ProviderName,
  StoreOptions,
} from "./config/types.js";
export { DEFAULT_OPTIMIZATION_LEVEL, MemoryOptimizationConfig } from "./config/memory.js";
export { STORE_DEFAULTS, SessionConfig, isSecretOption, type SessionConfigInput } from "./config/session.js";
export { loadConfigFile } from "./config/file.js";
export { configFromEnv } from "./config/env.js";
export { resolveSessionConfig, type ResolveOptions } from "./config/resolve.js";
