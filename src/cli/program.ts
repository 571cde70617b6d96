import type { Command } from "commander";
import { baseProgram } from "./_base.js";
import { registerDemo } from "./demo.js";
import { registerDescribe } from "./describe.js";
import { registerEmbed } from "./embed.js";
import { registerIngest } from "./ingest.js";
import { registerSearch } from "./search.js";
import { registerServe } from "./serve.js";
import { registerStats } from "./stats.js";
import { registerMcp } from "./mcp.js";
import { registerWorker } from "./worker.js";


/** Builds the `vcf-agent` command line (separate from main.ts so its help text can be tested). */
export function buildProgram(): Command {
  const program = baseProgram();
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
