import { ConfigError } from "../errors.js";
import { checkSection } from "./_fields.js";
import { MemoryOptimizationConfig } from "./memory.js";
import type { EmbeddingOptions, MemoryOptimizationOptions, StoreOptions } from "./types.js";

const REDACTED = "***";

/** Storage option names whose values are secrets (access keys, tokens, passwords). */
const SECRET_KEY = /secret|key|token|password|credential|sas|signature/i;

/** True when a storage option of this name holds a secret (access keys, tokens, passwords). */
export function isSecretOption(name: string): boolean {
  return SECRET_KEY.test(name);
}

/** Default store location and table. */
export const STORE_DEFAULTS: Readonly<StoreOptions> = Object.freeze({ uri: "./vcf-agent-db", table: "variants" });

function requireObject(value: unknown, name: string): object {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(name, `expected an object of options, got ${Array.isArray(value) ? "an array" : String(value)}`);
  }
  return value;
}

/**
 * Validated embedding options, frozen; provider defaults to `local`. `apiKey` is
 * non-enumerable so spreading, JSON and `util.inspect` never show it.
 */
export function buildEmbedding(input: object, nameOf: (key: string) => string = (k) => `embedding.${k}`): Readonly<EmbeddingOptions> {
  const { apiKey, ...rest } = checkSection("embedding", input, nameOf) as Partial<EmbeddingOptions>;
  const out: EmbeddingOptions = { provider: "local", ...rest };
  if (apiKey !== undefined) Object.defineProperty(out, "apiKey", { value: apiKey, enumerable: false });
  return Object.freeze(out);
}

/** Validated store options over {@link STORE_DEFAULTS}, frozen. */
export function buildStore(input: object, nameOf: (key: string) => string = (k) => `store.${k}`): Readonly<StoreOptions> {
  return Object.freeze({ ...STORE_DEFAULTS, ...(checkSection("store", input, nameOf) as Partial<StoreOptions>) });
}

/** Constructor input of {@link SessionConfig}: each section optional and partial. */
export interface SessionConfigInput {
  memoryOptimization?: MemoryOptimizationConfig | Partial<MemoryOptimizationOptions>;
  embedding?: Partial<EmbeddingOptions>;
  store?: Partial<StoreOptions>;
}

/**
 * Everything a session needs: memory optimization, embedding provider and store.
 * Validated at construction; `toJSON()` and `util.inspect` show `apiKey` as `"***"`.
 *
 * @example
 * const config = new SessionConfig({ memoryOptimization: { optimizationLevel: "aggressive" }, store: { table: "demo" } });
 * JSON.stringify(config); // safe to log: no secrets
 */
export class SessionConfig {
  readonly memoryOptimization: MemoryOptimizationConfig;
  readonly embedding: Readonly<EmbeddingOptions>;
  readonly store: Readonly<StoreOptions>;

  constructor(options: SessionConfigInput = {}) {
    requireObject(options, "SessionConfig options");
    const mo = options.memoryOptimization;
    this.memoryOptimization =
      mo instanceof MemoryOptimizationConfig
        ? mo
        : new MemoryOptimizationConfig(requireObject(mo ?? {}, "memoryOptimization"));
    this.embedding = buildEmbedding(requireObject(options.embedding ?? {}, "embedding"));
    this.store = buildStore(requireObject(options.store ?? {}, "store"));
    Object.freeze(this);
  }

  /** Plain, loggable form: every option, the API key replaced by `"***"` when set. */
  toJSON(): { memoryOptimization: MemoryOptimizationOptions; embedding: EmbeddingOptions; store: StoreOptions } {
    const embedding: EmbeddingOptions = { ...this.embedding };
    if (this.embedding.apiKey !== undefined) embedding.apiKey = REDACTED;
    const store: StoreOptions = { ...this.store };
    if (this.store.storageOptions !== undefined) {
      store.storageOptions = Object.fromEntries(Object.entries(this.store.storageOptions).map(([k, v]) => [k, isSecretOption(k) ? REDACTED : v]));
    }
    return { memoryOptimization: this.memoryOptimization.toJSON(), embedding, store };
  }

  /** `util.inspect` / `console.log` show the redacted form. */
  [Symbol.for("nodejs.util.inspect.custom")](): unknown {
    return this.toJSON();
  }
}
