import { ConfigError } from "../errors.js";
import { type FieldSpec, SECTIONS, type Section, checkField } from "./_fields.js";
import { recordOrigins } from "./_origins.js";
import type { ConfigInput } from "./types.js";

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function coerce(spec: FieldSpec, name: string, raw: string): unknown {
  const text = raw.trim();
  switch (spec.kind) {
    case "boolean": {
      const t = text.toLowerCase();
      if (t === "true" || t === "1") return true;
      if (t === "false" || t === "0") return false;
      throw new ConfigError(name, `expected true, false, 1 or 0, got ${JSON.stringify(raw)}`);
    }
    case "number":
      if (!NUMBER.test(text)) throw new ConfigError(name, `expected ${spec.expected}, got ${JSON.stringify(raw)}`);
      return Number(text);
    case "string":
      return text;
  }
}

/**
 * Reads options from environment variables: `VCF_AGENT_` + the snake_case name in
 * capitals for each memory option (`VCF_AGENT_CACHE_MAX_SIZE_MB`), `VCF_AGENT_PROVIDER`,
 * `VCF_AGENT_MODEL`, `VCF_AGENT_BASE_URL`, `VCF_AGENT_EMBEDDING_{DIMENSIONS,BATCH_SIZE,
 * CONCURRENCY,TIMEOUT_MS,MAX_RETRIES}`, `VCF_AGENT_DB`, `VCF_AGENT_TABLE`, and
 * `OPENAI_API_KEY` for the API key. Booleans accept true/false/1/0, numbers are parsed
 * strictly; a bad value throws a ConfigError naming the variable. Empty variables count
 * as unset. Other `VCF_AGENT_*` variables are ignored without error, because the CLI
 * and server own variables in the same namespace.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigInput {
  const out: Partial<Record<Section, Record<string, unknown>>> = {};
  const origins = new Map<string, string>();
  for (const section of Object.keys(SECTIONS) as Section[]) {
    for (const [camel, spec] of Object.entries(SECTIONS[section])) {
      const raw = env[spec.env];
      if (raw === undefined || raw.trim() === "") continue;
      const value = checkField(spec, coerce(spec, spec.env, raw), spec.env, JSON.stringify(raw));
      (out[section] ??= {})[camel] = value;
      origins.set(`${section}.${camel}`, spec.env);
    }
  }
  return recordOrigins(out as ConfigInput, origins);
}
