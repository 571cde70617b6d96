import type { Command } from "commander";
import { VcfAgentError } from "../errors.js";
import { annotationLayout } from "../vcf/annotations/index.js";
import { summarizeVariant, SUMMARY_TSV_HEADER, type VariantSummary } from "../vcf/describe.js";
import { SummaryWriter } from "../vcf/summary-writer.js";
import { openVcf } from "../vcf/reader.js";
import type { Variant } from "../vcf/types.js";
import { action, write, intFlag } from "./_run.js";

interface DescribeFlags {
  region?: string;
  format: string;
  onInvalid: string;
  limit?: string;
}

const TABLE_COLUMNS: [keyof VariantSummary, number][] = [
  ["variantId", 28],
  ["gene", 10],
  ["consequence", 24],
  ["clinicalSignificance", 24],
  ["af", 8],
];

/** One row of the table format (no newline). */
function tableLine(s: VariantSummary): string {
  return TABLE_COLUMNS.map(([k, w]) => cell(s[k], w)).join(" ") + " " + s.description;
}

function cell(value: unknown, width: number): string {
  const s = value === null || value === undefined ? "." : String(value);
  return s.length > width ? s.slice(0, width - 1) + "…" : s.padEnd(width);
}

/** `vcf-agent describe <file|->`: one description per variant, as JSON lines or a table. */
export function registerDescribe(program: Command): void {
  program
    .command("describe")
    .description("print one object per variant (after splitting multi-allelic sites) with its annotations and description")
    .argument("<file>", "VCF file (plain, gzip or bgzip), or - for standard input")
    .option("--region <region>", "only this region, e.g. chr17:43044295-43125483 (needs a .tbi or .csi index)")
    .option("--format <format>", "jsonl, tsv (a header line, then one row per variant, . for missing) or table", "jsonl")
    .option("--on-invalid <mode>", "error: stop at the first bad record; skip: count bad records and go on", "error")
    .option("--limit <n>", "stop after n variants")
    .action(
      action(async (file: string, flags: DescribeFlags) => {
        if (flags.format !== "jsonl" && flags.format !== "tsv" && flags.format !== "table") {
          throw new VcfAgentError(`option --format: expected jsonl, tsv or table, got '${flags.format}'`, "USAGE");
        }
        if (flags.onInvalid !== "error" && flags.onInvalid !== "skip") {
          throw new VcfAgentError(`option --on-invalid: expected error or skip, got '${flags.onInvalid}'`, "USAGE");
        }
        const limit = intFlag("--limit", flags.limit, Number.POSITIVE_INFINITY);
        const reader = await openVcf(file, {
          ...(flags.region === undefined ? {} : { region: flags.region }),
          onInvalid: flags.onInvalid,
        });
        const layout = annotationLayout(reader.header);
        let n = 0;
        try {
          if (flags.format === "table") {
            await write(TABLE_COLUMNS.map(([k, w]) => cell(k, w)).join(" ") + " description\n");
          } else if (flags.format === "tsv") {
            await write(SUMMARY_TSV_HEADER + "\n");
          }
          // Lines are gathered as bytes (SummaryWriter) and written once per batch. JSON lines
          // and TSV render the description from the fields, without building it first.
          const out = new SummaryWriter();
          const add =
            flags.format === "jsonl"
              ? (v: Variant) => out.json(summarizeVariant(v, layout, false), true)
              : flags.format === "tsv"
                ? (v: Variant) => out.tsv(summarizeVariant(v, layout, false), true)
                : (v: Variant) => out.text(tableLine(summarizeVariant(v, layout)) + "\n");
          outer: for await (const batch of reader.batches(1024)) {
            for (const v of batch) {
              add(v);
              if (++n >= limit) {
                await write(out.take());
                break outer;
              }
            }
            await write(out.take());
          }
        } finally {
          await reader.close();
        }
        const st = reader.stats;
        const skipped: string[] = [];
        if (st.skippedReferenceOnly > 0) skipped.push(`${st.skippedReferenceOnly} reference-only`);
        if (st.skippedInvalid > 0) skipped.push(`${st.skippedInvalid} invalid`);
        if (skipped.length > 0 || st.warnings > 0) {
          process.stderr.write(
            `vcf-agent: ${reader.source}: ${st.records} records, ${n} variants` +
              (skipped.length ? `, skipped ${skipped.join(", ")}` : "") +
              (st.warnings ? `, ${st.warnings} warnings` : "") +
              "\n",
          );
          for (const m of st.invalidMessages) process.stderr.write(`  skipped: ${m}\n`);
          for (const m of st.warningMessages) process.stderr.write(`  warning: ${m}\n`);
        }
      }),
    );
}
