/**
 * Each command's module, loaded on demand: `vcf-agent describe` needs the reader, not
 * LanceDB, the AWS SDK, BullMQ and fastify, whose loading took most of a short run
 * (`--version` 1.0 s with every command loaded, docs/performance.md).
 */
import type { Command } from "commander";
import { baseProgram } from "./_base.js";

type Register = (program: Command) => void;

const COMMANDS: Record<string, () => Promise<Register>> = {
  describe: async () => (await import("./describe.js")).registerDescribe,
  ingest: async () => (await import("./ingest.js")).registerIngest,
  search: async () => (await import("./search.js")).registerSearch,
  stats: async () => (await import("./stats.js")).registerStats,
  embed: async () => (await import("./embed.js")).registerEmbed,
  demo: async () => (await import("./demo.js")).registerDemo,
  serve: async () => (await import("./serve.js")).registerServe,
  mcp: async () => (await import("./mcp.js")).registerMcp,
  worker: async () => (await import("./worker.js")).registerWorker,
};

/**
 * The program for `argv`: with only the named command when argv names one (its options,
 * help and errors are the same as in the full program), else every command (top-level
 * help, version, an unknown command).
 */
export async function programFor(argv: readonly string[]): Promise<Command> {
  if (argv.length === 3 && (argv[2] === "--version" || argv[2] === "-V")) return baseProgram();
  const load = COMMANDS[argv[2] ?? ""];
  if (load === undefined) return (await import("./program.js")).buildProgram();
  const program = baseProgram();
  (await load())(program);
  return program;
}
