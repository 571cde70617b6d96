/**
 * The typed filters an agent passes to the search tools, and their translation to the
 * store's structured filters (which are compiled to escaped SQL over a column whitelist:
 * no path from agent text into SQL).
 */
import { z } from "zod";
import type { Filter } from "../store/index.js";
import { parseRegion } from "../vcf/index.js";

/** Filter fields the tools accept, with what each means (also shown to agents in the schema). */
export const AGENT_FILTER_FIELDS = {
  gene: "gene symbol, or a list of them (any of): BRCA1",
  chrom: "chromosome as the file names it: 17 (ClinVar), chr17 (others)",
  region: "chrom:start-end, 1-based inclusive: 17:43044295-43125483",
  clinical_significance: "ClinVar CLNSIG values, any of: Pathogenic, Likely_pathogenic, Uncertain_significance, …",
  consequence: "SO terms, any of: missense_variant, frameshift_variant, …",
  review_status: "ClinVar review status values, any of: reviewed by expert panel, …",
  af_min: "lowest allele frequency (0–1)",
  af_max: "highest allele frequency (0–1)",
} as const;

const ALLOWED = Object.keys(AGENT_FILTER_FIELDS).join(", ");
const text = (field: string) => z.string({ error: `filters.${field} must be a string` }).min(1, `filters.${field} must not be empty`).max(500);
const list = (field: string) => z.array(text(field), { error: `filters.${field} must be a list of strings` }).min(1).max(100);
const frequency = (field: string) => z.number({ error: `filters.${field} must be a number from 0 to 1` }).min(0, `filters.${field} must be from 0 to 1`).max(1, `filters.${field} must be from 0 to 1`);

/** The filter object of search_variants and similar_variants; an unknown field is refused, naming the allowed ones. */
export const agentFilterSchema = z
  .strictObject(
    {
      gene: z.union([text("gene"), list("gene")]).optional().describe(AGENT_FILTER_FIELDS.gene),
      chrom: text("chrom").optional().describe(AGENT_FILTER_FIELDS.chrom),
      region: text("region").optional().describe(AGENT_FILTER_FIELDS.region),
      clinical_significance: list("clinical_significance").optional().describe(AGENT_FILTER_FIELDS.clinical_significance),
      consequence: list("consequence").optional().describe(AGENT_FILTER_FIELDS.consequence),
      review_status: list("review_status").optional().describe(AGENT_FILTER_FIELDS.review_status),
      af_min: frequency("af_min").optional().describe(AGENT_FILTER_FIELDS.af_min),
      af_max: frequency("af_max").optional().describe(AGENT_FILTER_FIELDS.af_max),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `filters: unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; allowed fields: ${ALLOWED}`
          : undefined,
    },
  )
  .describe(`Typed filters, all optional and combined with AND. Fields: ${ALLOWED}.`);

/** Parsed agent filters. */
export type AgentFilters = z.infer<typeof agentFilterSchema>;

/** Thrown for a filter that passed the schema but cannot be used (a malformed region, af_min > af_max). */
export class FilterInputError extends Error {}

/** The store filters that `f` means. */
export function toStoreFilters(f: AgentFilters | undefined): Filter[] {
  if (f === undefined) return [];
  const out: Filter[] = [];
  const anyOf = (field: Filter["field"], values: string | readonly string[]) =>
    out.push(typeof values === "string" || values.length === 1 ? { field, op: "=", value: typeof values === "string" ? values : (values[0] as string) } : { field, op: "in", value: values });
  if (f.gene !== undefined) anyOf("gene", f.gene);
  if (f.chrom !== undefined) out.push({ field: "chrom", op: "=", value: f.chrom });
  if (f.region !== undefined) {
    let r;
    try {
      r = parseRegion(f.region, "filters.region");
    } catch (e) {
      throw new FilterInputError(`${(e as Error).message} (expected chrom:start-end, e.g. 17:43044295-43125483)`);
    }
    out.push({ field: "chrom", op: "=", value: r.chrom });
    if (r.start > 1 || r.end !== undefined) out.push({ field: "pos", op: "between", value: [r.start, r.end ?? Number.MAX_SAFE_INTEGER] });
  }
  if (f.clinical_significance !== undefined) anyOf("clinical_significance", f.clinical_significance);
  if (f.consequence !== undefined) anyOf("consequence", f.consequence);
  if (f.review_status !== undefined) anyOf("review_status", f.review_status);
  if (f.af_min !== undefined && f.af_max !== undefined && f.af_min > f.af_max) {
    throw new FilterInputError(`filters: af_min ${f.af_min} is above af_max ${f.af_max}`);
  }
  if (f.af_min !== undefined) out.push({ field: "af", op: ">=", value: f.af_min });
  if (f.af_max !== undefined) out.push({ field: "af", op: "<=", value: f.af_max });
  return out;
}
