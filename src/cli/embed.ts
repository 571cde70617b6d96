import type { Command } from "commander";
import { createProvider, readyProvider } from "../providers/create.js";
import { VariantEmbeddingService } from "../embedding/service.js";
import { action, write, intFlag } from "./_run.js";
import { configCommand, sessionFromFlags, type ConfigFlags } from "./_config.js";

interface EmbedFlags extends ConfigFlags {
  show: string;
  json?: boolean;
}

/** `vcf-agent embed "<text>"`: the vector of one text, its width and first values. */
export function registerEmbed(program: Command): void {
  const args = ["<text>", "text to embed, e.g. a variant description or a query"] as const;
  configCommand(program, "embed", "embed one text and print its width and first values", args, { level: true, provider: true })
    .option("--show <n>", "how many leading values to print", "8")
    .option("--json", "print the whole vector as JSON")
    .action(
      action(async (text: string, flags: EmbedFlags) => {
        const show = intFlag("--show", flags.show, 8);
        const config = await sessionFromFlags(flags);
        const provider = await readyProvider(createProvider(config.embedding, config.memoryOptimization));
        const service = new VariantEmbeddingService(config, { provider });
        try {
          const v = await service.embed(text);
          if (flags.json) {
            await write(JSON.stringify({ provider: service.provider.id, dimensions: v.length, vector: Array.from(v) }) + "\n");
            return;
          }
          const dr = service.getOptimizationStats().dimensionReductionStats;
          await write(`provider: ${service.provider.id}\n`);
          await write(`dimensions: ${v.length}${dr.isTrained ? "" : dr.reason ? ` (full width: ${dr.reason})` : ""}\n`);
          let norm = 0;
          for (let i = 0; i < v.length; i++) norm += (v[i] as number) ** 2;
          await write(`norm: ${Math.sqrt(norm).toFixed(6)}\n`);
          await write(`values: [${Array.from(v.subarray(0, show), (x) => x.toFixed(6)).join(", ")}${v.length > show ? ", …" : ""}]\n`);
        } finally {
          service.close();
        }
      }),
    );
}
