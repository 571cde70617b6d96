import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { YAMLParseError, parse as parseYaml } from "yaml";
import { ConfigError, VcfAgentError } from "../errors.js";
import { SECTIONS, type Section, checkField } from "./_fields.js";
import { recordOrigins } from "./_origins.js";
import type { ConfigInput } from "./types.js";

/** Section keys accepted at the top level of a file, in both spellings. */
const SECTION_KEYS: Readonly<Record<string, Section>> = {
  memory_optimization: "memoryOptimization",
  memoryOptimization: "memoryOptimization",
  embedding: "embedding",
  store: "store",
};

/** snake_case and camelCase key → camelCase option, per section. */
function keyIndex(section: Section): Map<string, string> {
  const index = new Map<string, string>();
  for (const [camel, spec] of Object.entries(SECTIONS[section])) {
    index.set(camel, camel);
    index.set(spec.snake, camel);
  }
  return index;
}
const KEY_INDEX: Readonly<Record<Section, Map<string, string>>> = {
  memoryOptimization: keyIndex("memoryOptimization"),
  embedding: keyIndex("embedding"),
  store: keyIndex("store"),
};

function validKeys(section: Section | "top"): string {
  if (section === "top") {
    return ["memory_optimization", "embedding", "store", ...Object.values(SECTIONS.memoryOptimization).map((s) => s.snake)].join(", ");
  }
  return Object.values(SECTIONS[section]).map((s) => s.snake).join(", ");
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

function parseText(path: string, text: string): unknown {
  const ext = extname(path).toLowerCase();
  const asJson = ext === ".json" || (ext !== ".yaml" && ext !== ".yml" && text.trimStart().startsWith("{"));
  try {
    return asJson ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const line = err.linePos?.[0]?.line;
      const reason = err.message.split("\n")[0] ?? err.message;
      throw new VcfAgentError(`${path}${line === undefined ? "" : `:${line}`}: invalid YAML: ${reason}`, "CONFIG", { cause: err });
    }
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg)?.[1];
    const line = pos === undefined ? undefined : text.slice(0, Number(pos)).split("\n").length;
    throw new VcfAgentError(`${path}${line === undefined ? "" : `:${line}`}: invalid JSON: ${msg}`, "CONFIG", { cause: err });
  }
}

/**
 * Reads a JSON or YAML config file (by extension, else by content: `{` means JSON).
 * Keys may be camelCase or the Python seed's snake_case; memory options may sit at the
 * top level or under `memory_optimization:` / `memoryOptimization:`, next to
 * `embedding:` and `store:` sections. A null value means "use the default". Unknown
 * keys, an option given twice and invalid values throw a ConfigError naming the key as
 * written, e.g. `cache_max_size_mb (in ./cfg.yaml)`.
 *
 * @example
 * // cfg.yaml:  optimization_level: aggressive
 * //            cache_max_size_mb: 16
 * //            store: { table: demo }
 * const input = await loadConfigFile("cfg.yaml");
 */
export async function loadConfigFile(path: string): Promise<ConfigInput> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new VcfAgentError(`cannot read config file ${path}: ${code}`, "CONFIG", { cause: err });
  }
  const doc = parseText(path, text);
  if (doc === null || doc === undefined) return {}; // an empty file sets nothing
  if (!isPlainObject(doc)) {
    throw new VcfAgentError(`${path}: expected a mapping of options at the top level, got ${Array.isArray(doc) ? "a list" : typeof doc}`, "CONFIG");
  }
  const input: Record<Section, Record<string, unknown>> = { memoryOptimization: {}, embedding: {}, store: {} };
  const written: Record<Section, Map<string, string>> = { memoryOptimization: new Map(), embedding: new Map(), store: new Map() };
  const where = ` (in ${path})`;

  const take = (section: Section, prefix: string, key: string, value: unknown): void => {
    const label = `${prefix}${key}${where}`;
    const camel = KEY_INDEX[section].get(key);
    if (camel === undefined) {
      throw new ConfigError(label, `unknown key; valid keys${prefix === "" ? "" : ` under ${prefix.slice(0, -1)}`}: ${validKeys(prefix === "" ? "top" : section)}`);
    }
    const earlier = written[section].get(camel);
    if (earlier !== undefined) throw new ConfigError(label, `given twice (also as ${earlier})`);
    written[section].set(camel, `${prefix}${key}`);
    if (value === null) return;
    const spec = SECTIONS[section][camel];
    if (spec !== undefined) input[section][camel] = checkField(spec, value, label);
  };

  for (const [key, value] of Object.entries(doc)) {
    const section = SECTION_KEYS[key];
    if (section === undefined) {
      take("memoryOptimization", "", key, value);
      continue;
    }
    if (value === null) continue;
    if (!isPlainObject(value)) throw new ConfigError(`${key}${where}`, `expected a mapping of options, got ${Array.isArray(value) ? "a list" : typeof value}`);
    for (const [inner, v] of Object.entries(value)) take(section, `${key}.`, inner, v);
  }

  const out: ConfigInput = {};
  const origins = new Map<string, string>();
  for (const section of Object.keys(input) as Section[]) {
    if (Object.keys(input[section]).length > 0) (out as Record<string, unknown>)[section] = input[section];
    for (const [camel, name] of written[section]) origins.set(`${section}.${camel}`, `${name}${where}`);
  }
  return recordOrigins(out, origins);
}
