import { Command } from "commander";
import { registerDemo } from "./demo.js";
import { registerDescribe } from "./describe.js";
import { registerEmbed } from "./embed.js";
import { registerIngest } from "./ingest.js";
import { registerSearch } from "./search.js";
import { registerServe } from "./serve.js";
import { registerStats } from "./stats.js";
import { registerMcp } from "./mcp.js";
import { registerWorker } from "./worker.js";
import { VERSION } from "../util/version.js";


/** Builds the `vcf-agent` command line (separate from main.ts so its help text can be tested). */
export function buildProgram(): Command {
  const program = new Command("vcf-agent")
    .description("Stream VCF files, describe and embed variants in bounded memory, and report what every optimization saves.")
    .version(VERSION)
    .showHelpAfterError("(run vcf-agent --help for usage)")
    .configureOutput({ outputError: (s, w) => w(s.startsWith("error: ") ? `vcf-agent: ${s.slice(7)}` : s) });
  registerDescribe(program);
  registerIngest(program);
  registerSearch(program);
  registerStats(program);
  registerEmbed(program);
  registerDemo(program);
  registerServe(program);
  registerMcp(program);
  registerWorker(program);
  return program;
}
