import { z } from "zod";
import { ConfigError } from "../errors.js";
import type { EmbeddingOptions, MemoryOptimizationOptions, StoreOptions } from "./types.js";

/** How a raw environment string is coerced before validation. */
export type FieldKind = "number" | "boolean" | "string";

/** One option: its schema, what it expects (for errors), and its other spellings. */
export interface FieldSpec {
  readonly schema: z.ZodType;
  readonly expected: string;
  readonly kind: FieldKind;
  /** The seed's snake_case key, accepted in files. */
  readonly snake: string;
  /** Environment variable that sets it. */
  readonly env: string;
  /** A secret: errors say what type was given, never the value. */
  readonly secret?: boolean;
}

/** The three config sections, by their camelCase name. */
export type Section = "memoryOptimization" | "embedding" | "store";

const MAX_TIMER_MS = 2_147_483_647; // setInterval/setTimeout clamp larger delays to 1 ms

function field(schema: z.ZodType, expected: string, kind: FieldKind, snake: string, env: string): FieldSpec {
  return { schema, expected, kind, snake, env };
}
const mem = (schema: z.ZodType, expected: string, kind: FieldKind, snake: string): FieldSpec =>
  field(schema, expected, kind, snake, `VCF_AGENT_${snake.toUpperCase()}`);

/** Memory options: env vars are `VCF_AGENT_` + the snake_case name in capitals. */
export const MEMORY_FIELDS: Readonly<Record<keyof MemoryOptimizationOptions, FieldSpec>> = {
  optimizationLevel: mem(z.enum(["basic", "standard", "aggressive"]), `one of "basic", "standard", "aggressive"`, "string", "optimization_level"),
  memoryManagementEnabled: mem(z.boolean(), "true or false", "boolean", "memory_management_enabled"),
  dimensionReductionEnabled: mem(z.boolean(), "true or false", "boolean", "dimension_reduction_enabled"),
  targetDimensions: mem(z.int().min(2).max(4096), "an integer from 2 to 4096", "number", "target_dimensions"),
  trainingSamples: mem(z.int().min(2).max(10_000_000), "an integer from 2 to 10000000", "number", "training_samples"),
  cachingStrategy: mem(z.enum(["simple", "memory_aware"]), `one of "simple", "memory_aware"`, "string", "caching_strategy"),
  cacheMaxSizeMb: mem(z.number().positive().max(1_048_576), "a positive number of MiB up to 1048576", "number", "cache_max_size_mb"),
  // lru-cache preallocates a slot per entry, so the entry bound is also a memory bound.
  cacheMaxEntries: mem(z.int().min(1).max(10_000_000), "an integer from 1 to 10000000", "number", "cache_max_entries"),
  streamingBatchSize: mem(z.int().min(1).max(100_000), "an integer from 1 to 100000", "number", "streaming_batch_size"),
  memoryCleanupThresholdMb: mem(z.number().positive().max(1_048_576), "a positive number of MiB up to 1048576", "number", "memory_cleanup_threshold_mb"),
  memoryMonitorIntervalMs: mem(z.int().min(0).max(MAX_TIMER_MS), `an integer from 0 to ${MAX_TIMER_MS} (0 = only on demand)`, "number", "memory_monitor_interval_ms"),
  annIndex: mem(z.enum(["none", "ivf_pq", "ivf_rq", "hnsw_sq"]), `one of "none", "ivf_pq", "ivf_rq", "hnsw_sq"`, "string", "ann_index"),
};

/** Embedding options; the API key comes from `OPENAI_API_KEY`. */
export const EMBEDDING_FIELDS: Readonly<Record<keyof EmbeddingOptions, FieldSpec>> = {
  provider: field(z.enum(["local", "openai", "ollama"]), `one of "local", "openai", "ollama"`, "string", "provider", "VCF_AGENT_PROVIDER"),
  model: field(z.string().min(1), "a non-empty string", "string", "model", "VCF_AGENT_MODEL"),
  baseUrl: field(z.url({ protocol: /^https?$/ }), "an http(s) URL", "string", "base_url", "VCF_AGENT_BASE_URL"),
  apiKey: { ...field(z.string().min(1), "a non-empty string", "string", "api_key", "OPENAI_API_KEY"), secret: true },
  dimensions: field(z.int().min(1).max(65_536), "an integer from 1 to 65536", "number", "dimensions", "VCF_AGENT_EMBEDDING_DIMENSIONS"),
  batchSize: field(z.int().min(1).max(100_000), "an integer from 1 to 100000", "number", "batch_size", "VCF_AGENT_EMBEDDING_BATCH_SIZE"),
  concurrency: field(z.int().min(1).max(1024), "an integer from 1 to 1024", "number", "concurrency", "VCF_AGENT_EMBEDDING_CONCURRENCY"),
  timeoutMs: field(z.int().min(1).max(MAX_TIMER_MS), `an integer from 1 to ${MAX_TIMER_MS}`, "number", "timeout_ms", "VCF_AGENT_EMBEDDING_TIMEOUT_MS"),
  maxRetries: field(z.int().min(0).max(100), "an integer from 0 to 100", "number", "max_retries", "VCF_AGENT_EMBEDDING_MAX_RETRIES"),
};

/** `key=value,key=value` (env, flags) or an object of scalars (files) → string values. */
function storageOptionsInput(v: unknown): unknown {
  if (typeof v === "string") {
    const out: Record<string, string> = {};
    for (const part of v.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
      const eq = part.indexOf("=");
      if (eq <= 0) return v; // let the schema refuse it
      out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    return out;
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, typeof x === "string" || typeof x === "number" || typeof x === "boolean" ? String(x) : x]));
  }
  return v;
}

/** Store options. */
export const STORE_FIELDS: Readonly<Record<keyof StoreOptions, FieldSpec>> = {
  uri: field(z.string().min(1), "a non-empty string", "string", "uri", "VCF_AGENT_DB"),
  table: field(z.string().regex(/^[A-Za-z0-9_.-]+$/), "a table name of letters, digits, '_', '.', '-'", "string", "table", "VCF_AGENT_TABLE"),
  storageOptions: {
    ...field(
      z.preprocess(storageOptionsInput, z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string())),
      "key=value pairs (e.g. allow_http=true,region=us-east-1) or an object of them",
      "string",
      "storage_options",
      "VCF_AGENT_STORAGE_OPTIONS",
    ),
    secret: true,
  },
  readConsistencySeconds: field(z.number().min(0).max(86_400), "a number of seconds from 0 to 86400", "number", "read_consistency_seconds", "VCF_AGENT_READ_CONSISTENCY_SECONDS"),
};

/** Field tables by section. */
export const SECTIONS: Readonly<Record<Section, Readonly<Record<string, FieldSpec>>>> = {
  memoryOptimization: MEMORY_FIELDS,
  embedding: EMBEDDING_FIELDS,
  store: STORE_FIELDS,
};

/** Shows a rejected value the way the user would recognise it. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

function typeOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/** Validates one value against its field, throwing a ConfigError that names `label`. */
export function checkField(spec: FieldSpec, value: unknown, label: string, shown: string = showValue(value)): unknown {
  const r = spec.schema.safeParse(value);
  // A key written unquoted in YAML (api_key: 8372…) parses as a number: still the user's secret.
  if (!r.success) throw new ConfigError(label, `expected ${spec.expected}, got ${spec.secret ? `a ${typeOf(value)} (not shown: it is a secret)` : shown}`);
  return r.data;
}

/**
 * Validates a section given as an object keyed by camelCase names: rejects unknown keys
 * (listing the valid ones), skips undefined values, and returns the validated entries.
 * `nameOf` turns a camelCase key into the name the user wrote.
 */
export function checkSection(section: Section, input: object, nameOf: (key: string) => string): Record<string, unknown> {
  const specs = SECTIONS[section];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const spec = specs[key];
    if (spec === undefined) {
      throw new ConfigError(nameOf(key), `unknown option; valid options: ${Object.keys(specs).join(", ")}`);
    }
    if (value !== undefined) out[key] = checkField(spec, value, nameOf(key));
  }
  return out;
}
