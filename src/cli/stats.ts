import type { Command } from "commander";
import { VcfAgentError } from "../errors.js";
import { storageOf, VariantStore } from "../store/index.js";
import { action, write, intFlag } from "./_run.js";
import { configOptions, sessionFromFlags, type ConfigFlags } from "./_config.js";

interface StatsFlags extends ConfigFlags {
  format: string;
}

interface IndexFlags extends ConfigFlags {
  type: string;
  partitions?: string;
  subVectors?: string;
  sampleRate?: string;
  scalar?: boolean;
}

/** `vcf-agent stats` and `vcf-agent index create`. */
export function registerStats(program: Command): void {
  const stats = program
    .command("stats")
    .description("rows, width, bytes on disk, indexes and PCA model of a table");
  configOptions(stats, { store: true })
    .option("--format <format>", "text or json", "text")
    .action(
      action(async (flags: StatsFlags) => {
        if (flags.format !== "text" && flags.format !== "json") {
          throw new VcfAgentError(`option --format: expected text or json, got '${flags.format}'`, "USAGE");
        }
        const config = await sessionFromFlags(flags);
        const store = await VariantStore.connect(config.store.uri, { table: config.store.table, readOnly: true, ...storageOf(config) });
        const s = await store.stats();
        if (flags.format === "json") {
          await write(JSON.stringify(s, null, 2) + "\n");
          return;
        }
        const mb = (b: number | "unknown"): string => (b === "unknown" ? "unknown" : `${(b / 1048576).toFixed(1)} MB`);
        const lines = [
          `table ${s.table} in ${s.uri}${s.exists ? "" : " (not created yet)"}`,
          `  rows: ${s.rows}`,
          `  dims: ${s.dims ?? "-"}`,
          `  bytes on disk: ${mb(s.bytesOnDisk)}` + (s.rows > 0 && s.bytesOnDisk !== "unknown" ? ` (${Math.round(s.bytesOnDisk / s.rows)} B per row)` : ""),
          `  indexes: ${s.indices.length === 0 ? "none" : ""}`,
          ...s.indices.map((i) => `    ${i.name}: ${i.type} on ${i.columns.join(",")}, ${i.indexedRows} rows indexed, ${i.unindexedRows} not yet, ${mb(i.bytesOnDisk)}`),
        ];
        const m = s.pcaModel;
        if (m === "unknown") lines.push("  PCA model: unknown (object store)");
        else if (m === null) lines.push("  PCA model: none (vectors stored at full width)");
        else
          lines.push(
            `  PCA model: ${m.path}: ${m.inputDimensions ?? "?"}→${m.dims ?? "?"}, provider ${m.providerId ?? "?"}, ` +
              `variance retained ${m.varianceRetained === null ? "?" : (100 * m.varianceRetained).toFixed(2) + "%"}, ${m.trainingSamples ?? "?"} samples, ${m.createdAt ?? "?"}` +
              (m.error ? ` (error: ${m.error})` : ""),
          );
        await write(lines.join("\n") + "\n");
      }),
    );

  const index = program.command("index").description("manage the table's indexes");
  const create = index
    .command("create")
    .description("build the ANN vector index and the scalar indexes of the filter columns")
    .option("--type <type>", "ivf_rq, ivf_pq or hnsw_sq (ivf_rq: same recall as ivf_pq, ~5× faster to build)", "ivf_rq")
    .option("--partitions <n>", "IVF partitions (default about √rows)")
    .option("--sub-vectors <n>", "PQ sub-vectors (default dims/8)")
    .option("--sample-rate <n>", "vectors per partition that train k-means (default 64 for ivf_rq and ivf_pq, 256 for hnsw_sq)")
    .option("--scalar", "also build the scalar indexes of the filter columns: variant_id, pos, gene, af, chrom, clinical_significance, consequence (the default)")
    .option("--no-scalar", "build the ANN index only");
  configOptions(create, { store: true })
    .action(
      action(async (flags: IndexFlags) => {
        // Flags are checked before anything is opened or built.
        const options = {
          type: flags.type as "ivf_pq",
          ...(flags.partitions === undefined ? {} : { numPartitions: intFlag("--partitions", flags.partitions, 1) }),
          ...(flags.subVectors === undefined ? {} : { numSubVectors: intFlag("--sub-vectors", flags.subVectors, 1) }),
          ...(flags.sampleRate === undefined ? {} : { sampleRate: intFlag("--sample-rate", flags.sampleRate, 1) }),
        };
        const config = await sessionFromFlags(flags);
        const store = await VariantStore.connect(config.store.uri, { table: config.store.table, ...storageOf(config) });
        if (flags.scalar !== false) {
          const t = Date.now();
          const names = await store.createScalarIndexes();
          await write(`scalar indexes: ${names.join(", ")} (${((Date.now() - t) / 1000).toFixed(1)} s)\n`);
        }
        const started = Date.now();
        const timer = process.stderr.isTTY
          ? setInterval(() => process.stderr.write(`\rbuilding ${flags.type} index… ${Math.round((Date.now() - started) / 1000)} s`), 1000)
          : undefined;
        try {
          const r = await store.createVectorIndex(options);
          if (timer) process.stderr.write("\n");
          await write(`${r.name}: ${JSON.stringify(r)}\n`);
        } finally {
          if (timer) clearInterval(timer);
        }
      }),
    );
}
