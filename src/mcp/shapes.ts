/** Output schemas of the MCP tools (zod, so clients can validate them) and the hit shape agents get. */
import { z } from "zod";
import type { TracedHit } from "../pipeline/search.js";

/** Where a hit came from and how it was found (see `HitProvenance`). */
export const provenanceSchema = z.object({
  source: z.string().describe("the VCF file the record was read from"),
  line: z.int().nullable().describe("1-based line of the record in that file (decompressed); null when unknown"),
  embeddedText: z.string().describe("the exact text that was embedded for the variant"),
  embedder: z.string().describe("provider id: model and width"),
  pcaModel: z
    .object({ sha256: z.string(), inputDimensions: z.int(), outputDimensions: z.int() })
    .nullable()
    .describe("the table's PCA model (SHA-256 of its mean and components), null at full width"),
  metric: z.literal("cosine"),
});

/** Every stored field of one variant. */
export const variantSchema = z.object({
  variantId: z.string(),
  chrom: z.string(),
  pos: z.int(),
  ref: z.string(),
  alt: z.string(),
  id: z.string().describe("the VCF ID column (ClinVar: the Variation ID)"),
  qual: z.number().nullable(),
  filter: z.string(),
  gene: z.string().nullable(),
  consequence: z.string().nullable(),
  clinicalSignificance: z.string().nullable(),
  reviewStatus: z.string().nullable(),
  condition: z.string().nullable(),
  af: z.number().nullable(),
  description: z.string(),
  source: z.string(),
  sourceLine: z.int().nullable(),
  ingestedAt: z.string(),
});

/** One search hit as agents get it: the variant's fields, its distance and its provenance. */
export const hitSchema = z.object({
  rank: z.int(),
  ...variantSchema.pick({
    variantId: true, id: true, chrom: true, pos: true, ref: true, alt: true, gene: true, consequence: true,
    clinicalSignificance: true, reviewStatus: true, condition: true, af: true,
  }).shape,
  distance: z.number().describe("cosine distance to the query, 0 = same direction"),
  provenance: provenanceSchema,
});

/** A hit before its rank on the page is known. */
export type AgentHit = Omit<z.infer<typeof hitSchema>, "rank">;

/** The output of the paged search tools. */
export const pageShape = {
  hits: z.array(hitSchema),
  total: z.int().describe("hits in the whole result (at most k)"),
  offset: z.int().describe("rank - 1 of the first hit on this page"),
  returned: z.int(),
  next_cursor: z.string().nullable().describe("pass as cursor, with the same arguments, for the next page; null on the last page"),
  truncated: z.boolean().describe("true when this page was cut to stay under the token budget"),
  note: z.string().optional(),
};

/** The agent's view of a traced hit. */
export function hitOf(h: TracedHit): AgentHit {
  return {
    variantId: h.variantId,
    id: h.id,
    chrom: h.chrom,
    pos: h.pos,
    ref: h.ref,
    alt: h.alt,
    gene: h.gene,
    consequence: h.consequence,
    clinicalSignificance: h.clinicalSignificance,
    reviewStatus: h.reviewStatus,
    condition: h.condition,
    af: h.af,
    distance: h.distance,
    provenance: h.provenance,
  };
}
