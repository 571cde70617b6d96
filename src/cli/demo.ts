import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { ingestVcf } from "../pipeline/ingest.js";
import { VariantSearch, type TracedHit } from "../pipeline/search.js";
import { localPath } from "../store/index.js";
import { formatSummary } from "./ingest.js";
import { formatHits } from "./search.js";
import { Progress } from "./_progress.js";
import { action, write } from "./_run.js";
import { configCommand, sessionFromFlags, type ConfigFlags } from "./_config.js";

/** The real ClinVar records that ship with the package (2026-02-26 release, chromosomes 13 and 17). */
export const SAMPLE_VCF = fileURLToPath(new URL("../../data/clinvar_GRCh38_20260226_chr13_chr17.vcf.gz", import.meta.url));

/** One search of the demo: a text query with filters, or the neighbours of the first search's top hit. */
export interface DemoQuery {
  readonly title: string;
  readonly why: string;
  readonly text?: string;
  readonly similarToFirstHit?: boolean;
  readonly filters?: readonly string[];
}

/** Searches a clinical geneticist runs on ClinVar: a known class of variant, a gene's confirmed frameshifts, and VUS that look like a known pathogenic variant. */
export const DEMO_QUERIES: readonly DemoQuery[] = [
  { title: 'search "pathogenic missense variant in BRCA1"', why: "pathogenic BRCA1 missense variants", text: "pathogenic missense variant in BRCA1" },
  {
    title: 'search "frameshift variant" --filter gene=BRCA2 --filter "clinical_significance in Pathogenic,Likely_pathogenic" --filter "review_status=reviewed by expert panel"',
    why: "BRCA2 frameshifts an expert panel classified (likely) pathogenic",
    text: "frameshift variant",
    filters: ["gene=BRCA2", "clinical_significance in Pathogenic,Likely_pathogenic", "review_status=reviewed by expert panel"],
  },
  {
    title: "similar <first hit> --filter clinical_significance=Uncertain_significance",
    why: "variants of uncertain significance most like that pathogenic one (candidates for review)",
    similarToFirstHit: true,
    filters: ["clinical_significance=Uncertain_significance"],
  },
];

interface DemoFlags extends ConfigFlags {
  quiet?: boolean;
}

/** The `mcpServers` entry that connects an MCP client to `vcf-agent mcp` on `db`. */
export function mcpClientSnippet(db: string): string {
  return JSON.stringify({ mcpServers: { "vcf-agent": { command: "npx", args: ["vcf-agent", "mcp", "--db", db] } } }, null, 2);
}

/** `vcf-agent demo [file]`: ingest the bundled ClinVar slice (or FILE), run three searches, trace a hit, print the optimization figures and the MCP client snippet. */
export function registerDemo(program: Command): void {
  const description = "ingest the bundled real ClinVar slice (or FILE), run three searches, show a traced hit and the MCP client configuration";
  configCommand(program, "demo", description, ["[file]", "VCF file (default: the bundled ClinVar records of chromosomes 13 and 17)"], { store: true, level: true })
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
          let first: TracedHit | undefined;
          for (const q of DEMO_QUERIES) {
            const t0 = performance.now();
            const options = { k: 5, filters: q.filters ?? [] };
            const hits = q.similarToFirstHit ? (first === undefined ? [] : await search.similar(first.variantId, options)) : await search.text(q.text as string, options);
            first ??= hits[0];
            const title = q.similarToFirstHit ? q.title.replace("<first hit>", first?.variantId ?? "(no hit)") : q.title;
            await write(`\n# ${q.why}\n$ vcf-agent ${title}   (${(performance.now() - t0).toFixed(0)} ms)\n${formatHits(hits, "table")}`);
          }
          if (first !== undefined) {
            await write(`\none hit, traced (--format json gives this for every hit):\n${JSON.stringify({ variantId: first.variantId, distance: first.distance, provenance: first.provenance }, null, 2)}\n`);
          }
          await write(`\noptimization stats of the ingest:\n${JSON.stringify(summary.optimization, null, 2)}\n`);
          await write(`\nUse it from an agent: add this to your MCP client's configuration (Claude Desktop, Claude Code, an IDE):\n${mcpClientSnippet(localPath(config.store.uri) ?? config.store.uri)}\n`);
        } finally {
          search.close();
        }
      }),
    );
}
