/**
 * The `vcf-agent` command line. Each command's module is loaded on demand: `vcf-agent
 * describe` needs the reader, not LanceDB, the AWS SDK, BullMQ and fastify, whose loading
 * took most of a short run (`--version` 1.0 s with every command loaded, docs/performance.md).
 */
import { Command } from "commander";
import { VERSION } from "../util/version.js";

type Register = (program: Command) => void;

/** Every command, in the order of the help text. */
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

/** The program without its commands: name, version, error style. */
function baseProgram(): Command {
  return new Command("vcf-agent")
    .description("Stream VCF files, describe and embed variants in bounded memory, and report what every optimization saves.")
    .version(VERSION)
    .showHelpAfterError("(run vcf-agent --help for usage)")
    .configureOutput({ outputError: (s, w) => w(s.startsWith("error: ") ? `vcf-agent: ${s.slice(7)}` : s) });
}

/** The whole command line, every command loaded (separate from main.ts so its help text can be tested). */
export async function buildProgram(): Promise<Command> {
  const program = baseProgram();
  for (const load of Object.values(COMMANDS)) (await load())(program);
  return program;
}

/**
 * The program for `argv`: with only the named command when argv names one (its options,
 * help and errors are the same as in the full program), nothing but the version for
 * `--version`, else every command (top-level help, an unknown command).
 */
export async function programFor(argv: readonly string[]): Promise<Command> {
  if (argv.length === 3 && (argv[2] === "--version" || argv[2] === "-V")) return baseProgram();
  const load = COMMANDS[argv[2] ?? ""];
  if (load === undefined) return buildProgram();
  const program = baseProgram();
  (await load())(program);
  return program;
}
