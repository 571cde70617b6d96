import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { VariantEmbeddingService } from "../embedding/service.js";
import { annotationLayout } from "../vcf/annotations.js";
import { summarizeVariant } from "../vcf/describe.js";
import { openVcf } from "../vcf/reader.js";
import { Progress } from "./_progress.js";
import { action, write } from "./_run.js";
import { sessionFromFlags, type ConfigFlags } from "./_config.js";

/** The annotated sample VCF that ships with the package. */
export const SAMPLE_VCF = fileURLToPath(new URL("../../data/sample.vcf.gz", import.meta.url));

interface DemoFlags extends ConfigFlags {
  quiet?: boolean;
}

/** `vcf-agent demo [file]`: describe and embed a VCF (the bundled sample by default) and print what each optimization did. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("describe and embed the bundled sample VCF (or FILE) and print the optimization statistics")
    .argument("[file]", "VCF file; default: the bundled annotated sample", SAMPLE_VCF)
    .option("--level <level>", "optimization level: basic, standard or aggressive")
    .option("--config <file>", "configuration file (JSON or YAML)")
    .option("--quiet", "no progress output")
    .action(
      action(async (file: string, flags: DemoFlags) => {
        const started = process.hrtime.bigint();
        const service = new VariantEmbeddingService(await sessionFromFlags(flags));
        const reader = await openVcf(file);
        const layout = annotationLayout(reader.header);
        const progress = new Progress("embedding", { quiet: flags.quiet ?? false, totalBytes: reader.stats.totalBytes });
        let vectors = 0;
        let width = 0;
        const first: string[] = [];
        try {
          for await (const batch of reader.batches(service.config.memoryOptimization.streamingBatchSize)) {
            const texts = batch.map((v) => summarizeVariant(v, layout).description);
            if (first.length < 3) first.push(...texts.slice(0, 3 - first.length));
            for (const out of await service.pushBatch(texts)) {
              vectors += out.vectors.length;
              width = out.vectors[0]?.length ?? width;
            }
            progress.update({ variants: reader.stats.variants, bytesRead: reader.stats.bytesRead, totalBytes: reader.stats.totalBytes });
          }
          for (const out of service.flush()) {
            vectors += out.vectors.length;
            width = out.vectors[0]?.length ?? width;
          }
        } finally {
          progress.stop();
          await reader.close();
          service.close();
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const st = reader.stats;
        await write(`input: ${reader.source}\n`);
        await write(
          `records: ${st.records}, variants: ${st.variants}, skipped: ${st.skippedReferenceOnly} reference-only + ${st.skippedInvalid} invalid\n`,
        );
        await write(`embedded: ${vectors} vectors of ${width} dimensions in ${seconds.toFixed(2)} s (${Math.round(vectors / seconds)} variants/s)\n`);
        await write(`example descriptions:\n${first.map((d) => `  ${d}\n`).join("")}`);
        await write(`optimization stats:\n${JSON.stringify(service.getOptimizationStats(), null, 2)}\n`);
      }),
    );
}
