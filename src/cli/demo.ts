import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { ingestVcf } from "../pipeline/ingest.js";
import { VariantSearch } from "../pipeline/search.js";
import { formatSummary } from "./ingest.js";
import { formatHits } from "./search.js";
import { Progress } from "./_progress.js";
import { action, write } from "./_run.js";
import { configCommand, sessionFromFlags, type ConfigFlags } from "./_config.js";

/** The annotated sample VCF that ships with the package. */
export const SAMPLE_VCF = fileURLToPath(new URL("../../data/sample.vcf.gz", import.meta.url));

/** The searches the demo runs: free text, text with a filter, and a similar-variant look-up. */
export const DEMO_QUERIES: readonly { title: string; text?: string; similarToFirstHit?: boolean; filters?: string[] }[] = [
  { title: "search \"pathogenic missense variant in BRCA1\"", text: "pathogenic missense variant in BRCA1" },
  {
    title: "search \"frameshift variant\" --filter clinical_significance=Pathogenic",
    text: "frameshift variant",
    filters: ["clinical_significance=Pathogenic"],
  },
  { title: "similar <first hit of the first search>", similarToFirstHit: true },
];

interface DemoFlags extends ConfigFlags {
  quiet?: boolean;
}

/** `vcf-agent demo [file]`: ingest a VCF (the bundled sample by default), run three searches, print what each optimization did. */
export function registerDemo(program: Command): void {
  const description = "ingest the bundled annotated sample (or FILE), run three searches and print the optimization statistics";
  configCommand(program, "demo", description, ["[file]", "VCF file (default: the bundled annotated sample)"], { store: true, level: true })
    .option("--quiet", "no progress output")
    .action(
      action(async (fileArg: string | undefined, flags: DemoFlags) => {
        const file = fileArg ?? SAMPLE_VCF;
        const config = await sessionFromFlags(flags);
        let progress: Progress | undefined;
        const summary = await ingestVcf({
          input: file,
          config,
          onProgress: (p) => {
            progress ??= new Progress("ingest", { quiet: flags.quiet ?? false, totalBytes: p.totalBytes });
            progress.update({ variants: p.variantsRead, bytesRead: p.bytesRead, totalBytes: p.totalBytes });
          },
        });
        progress?.stop();
        await write(formatSummary(summary));
        const search = await VariantSearch.open(config);
        try {
          let firstHit: string | undefined;
          for (const q of DEMO_QUERIES) {
            const t0 = performance.now();
            const hits = q.similarToFirstHit
              ? firstHit === undefined
                ? []
                : await search.similar(firstHit, { k: 5 })
              : await search.text(q.text as string, { k: 5, filters: q.filters ?? [] });
            firstHit ??= hits[0]?.variantId;
            const title = q.similarToFirstHit ? `similar ${firstHit ?? "(no hit)"}` : q.title;
            await write(`\n$ vcf-agent ${title}   (${(performance.now() - t0).toFixed(0)} ms)\n${formatHits(hits, "table")}`);
          }
          await write(`\noptimization stats of the ingest:\n${JSON.stringify(summary.optimization, null, 2)}\n`);
        } finally {
          search.close();
        }
      }),
    );
}
