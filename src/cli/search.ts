import type { Command } from "commander";
import { VcfAgentError } from "../errors.js";
import { VariantSearch, type QueryOptions } from "../pipeline/search.js";
import type { VariantHit } from "../store/index.js";
import { action, write, intFlag } from "./_run.js";
import { configOptions, sessionFromFlags, type ConfigFlags } from "./_config.js";

interface SearchFlags extends ConfigFlags {
  k: string;
  filter: string[];
  format: string;
  nprobes?: string;
  refineFactor?: string;
  exact?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function queryOptions(flags: SearchFlags): QueryOptions {
  if (flags.format !== "table" && flags.format !== "json" && flags.format !== "jsonl") {
    throw new VcfAgentError(`option --format: expected table, json or jsonl, got '${flags.format}'`, "USAGE");
  }
  return {
    k: intFlag("--k", flags.k, 10),
    filters: flags.filter,
    ...(flags.nprobes === undefined ? {} : { nprobes: intFlag("--nprobes", flags.nprobes, 20) }),
    ...(flags.refineFactor === undefined ? {} : { refineFactor: Number(flags.refineFactor) }),
    ...(flags.exact ? { exact: true } : {}),
  };
}

function cell(value: unknown, width: number): string {
  const s = value === null || value === undefined ? "." : String(value);
  return s.length > width ? s.slice(0, width - 1) + "…" : s.padEnd(width);
}

/** Hits as an aligned table, one JSON document (`{"hits": [...]}`) or JSON lines; JSON carries each hit's provenance. */
export function formatHits(hits: readonly VariantHit[], format: string): string {
  if (format === "jsonl") return hits.map((h) => JSON.stringify(h)).join("\n") + (hits.length ? "\n" : "");
  if (format === "json") return JSON.stringify({ hits }, null, 2) + "\n";
  const head = ["rank", "distance", "variant_id", "gene", "consequence", "clinical_significance", "af", "condition"];
  const widths = [4, 8, 26, 9, 22, 26, 8, 30];
  const rows = hits.map((h, i) => [i + 1, h.distance.toFixed(4), h.variantId, h.gene, h.consequence, h.clinicalSignificance, h.af, h.condition]);
  return [head, ...rows].map((r) => r.map((v, i) => cell(v, widths[i] as number)).join(" ").trimEnd()).join("\n") + "\n";
}

function addCommonOptions(cmd: Command): Command {
  cmd
    .option("--k <n>", "number of results", "10")
    .option("--filter <field=value>", "structured filter, repeatable (gene=BRCA1, clinical_significance=Pathogenic, pos=43044295..43125483, af<0.01)", collect, [])
    .option("--format <format>", "table, json or jsonl (JSON names each hit's source file:line, embedded text, embedder, PCA model and metric)", "table");
  return configOptions(cmd, { store: true, provider: "embedding provider (must be the one that filled the table)" })
    .option("--nprobes <n>", "IVF partitions to probe (ANN index only)")
    .option("--refine-factor <n>", "re-rank k × n ANN candidates exactly (0: off)")
    .option("--exact", "exact search, ignoring any ANN index");
}

/** Opens the configured table's search, runs `query` on it and prints the hits in `--format`. */
async function printHits(flags: SearchFlags, query: (search: VariantSearch, opts: QueryOptions) => Promise<readonly VariantHit[]>): Promise<void> {
  const opts = queryOptions(flags);
  const search = await VariantSearch.open(await sessionFromFlags(flags));
  try {
    await write(formatHits(await query(search, opts), flags.format));
  } finally {
    search.close();
  }
}

/** `vcf-agent search "<text>"` and `vcf-agent similar <variant_id>`. */
export function registerSearch(program: Command): void {
  const commands = [
    ["search", 'find the stored variants nearest to a text, e.g. "pathogenic missense in BRCA1"', "<text>", "query text", (search: VariantSearch, arg: string, opts: QueryOptions) => search.text(arg, opts)],
    ["similar", "find the stored variants nearest to a stored one", "<variant_id>", "chrom-pos-ref-alt, e.g. 17-43045712-G-A", (search: VariantSearch, arg: string, opts: QueryOptions) => search.similar(arg, opts)],
  ] as const;
  for (const [name, description, argument, help, run] of commands) {
    addCommonOptions(program.command(name).description(description).argument(argument, help)).action(
      action((arg: string, flags: SearchFlags) => printHits(flags, (search, opts) => run(search, arg, opts))),
    );
  }
}
