import type { Command } from "commander";
import { resolveSessionConfig, type ConfigInput, type SessionConfig } from "../config.js";
import { VcfAgentError } from "../errors.js";

/** Options every command that embeds accepts. */
export interface ConfigFlags {
  level?: string;
  config?: string;
  provider?: string;
  model?: string;
  baseUrl?: string;
  db?: string;
  table?: string;
  storageOption?: string[];
  readConsistencySeconds?: string;
}

/** Which of the `ConfigFlags` a command takes besides `--config`, which every one takes. */
export interface ConfigOptionSet {
  /** --db and --table */
  store?: boolean;
  /** --level */
  level?: boolean;
  /** --provider, --model and --base-url; a string replaces the help of --provider. */
  provider?: boolean | string;
}

/**
 * Adds the `ConfigFlags` options to `command`, in one order and with one wording for
 * every command: --db, --table, --level, --config, --provider, --model, --base-url.
 */
export function configOptions(command: Command, set: ConfigOptionSet): Command {
  if (set.store === true) {
    command
      .option("--db <uri>", "database directory or LanceDB URI, e.g. s3://bucket/prefix (default ./vcf-agent-db)")
      .option("--table <name>", "table name (default variants)")
      .option("--storage-option <key=value>", "object-store option for s3:// and other URIs, repeatable (e.g. allow_http=true, endpoint=http://127.0.0.1:7480); credentials come from AWS_* variables", collectFlag);
  }
  if (set.level === true) command.option("--level <level>", "optimization level: basic, standard or aggressive");
  command.option("--config <file>", "configuration file (JSON or YAML)");
  if (set.provider !== undefined && set.provider !== false) {
    command
      .option("--provider <name>", typeof set.provider === "string" ? set.provider : "embedding provider: local, openai or ollama")
      .option("--model <model>", "provider model")
      .option("--base-url <url>", "provider base URL");
  }
  return command;
}

/** A subcommand of `program` with one positional argument and the configuration options of `set`. */
export function configCommand(program: Command, name: string, description: string, argument: readonly [string, string], set: ConfigOptionSet): Command {
  return configOptions(program.command(name).description(description).argument(argument[0], argument[1]), set);
}

const collectFlag = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Readers that serve a table (serve, mcp) look for other processes' commits this often unless configured. */
export const SERVING_READ_CONSISTENCY_SECONDS = 5;

/** The --read-consistency-seconds option of the serving commands. */
export function readConsistencyOption(command: Command): Command {
  return command.option(
    "--read-consistency-seconds <s>",
    `how often to look for rows other processes committed (0: on every read; default ${SERVING_READ_CONSISTENCY_SECONDS})`,
  );
}

/** Builds the session config: level defaults < config file < VCF_AGENT_* env < flags. */
export async function sessionFromFlags(flags: ConfigFlags, defaults?: ConfigInput): Promise<SessionConfig> {
  const overrides: Record<string, unknown> = {};
  const memory: Record<string, unknown> = {};
  if (flags.level !== undefined) memory.optimizationLevel = flags.level;
  if (Object.keys(memory).length > 0) overrides.memoryOptimization = memory;
  const embedding: Record<string, unknown> = {};
  if (flags.provider !== undefined) embedding.provider = flags.provider;
  if (flags.model !== undefined) embedding.model = flags.model;
  if (flags.baseUrl !== undefined) embedding.baseUrl = flags.baseUrl;
  if (Object.keys(embedding).length > 0) overrides.embedding = embedding;
  const store: Record<string, unknown> = {};
  if (flags.db !== undefined) store.uri = flags.db;
  if (flags.table !== undefined) store.table = flags.table;
  if (flags.storageOption !== undefined && flags.storageOption.length > 0) {
    const options: Record<string, string> = {};
    for (const kv of flags.storageOption) {
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new VcfAgentError(`option --storage-option: expected key=value, got '${kv}'`, "USAGE");
      options[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
    }
    store.storageOptions = options;
  }
  if (flags.readConsistencySeconds !== undefined) {
    const n = Number(flags.readConsistencySeconds);
    if (!Number.isFinite(n) || n < 0 || flags.readConsistencySeconds.trim() === "") {
      throw new VcfAgentError(`option --read-consistency-seconds: expected a number of seconds ≥ 0, got '${flags.readConsistencySeconds}'`, "USAGE");
    }
    store.readConsistencySeconds = n;
  }
  if (Object.keys(store).length > 0) overrides.store = store;
  try {
    return await resolveSessionConfig({ ...(defaults === undefined ? {} : { defaults }), ...(flags.config === undefined ? {} : { file: flags.config }), env: process.env, overrides });
  } catch (err) {
    if (err instanceof VcfAgentError) throw err;
    throw new VcfAgentError(`cannot load configuration: ${(err as Error).message}`, "CONFIG", { cause: err });
  }
}

