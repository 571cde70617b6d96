/** The bare `vcf-agent` program, shared by the full program and the one-command loader. */
import { Command } from "commander";
import { VERSION } from "../util/version.js";

/** The program without its commands: name, version, error style. */
export function baseProgram(): Command {
  return new Command("vcf-agent")
    .description("Stream VCF files, describe and embed variants in bounded memory, and report what every optimization saves.")
    .version(VERSION)
    .showHelpAfterError("(run vcf-agent --help for usage)")
    .configureOutput({ outputError: (s, w) => w(s.startsWith("error: ") ? `vcf-agent: ${s.slice(7)}` : s) });
}
