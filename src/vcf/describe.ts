/**
 * One sentence per variant, in the form the embedder understands:
 * `Variant at chromosome 17 position 43045712 reference allele G to alternate allele A
 * in gene BRCA1 with consequence missense_variant clinical significance Pathogenic`
 * (+ ` condition <name>`), unknown parts left out.
 */
import { annotate, type AnnotationLayout, type AnnotationSource, type VariantAnnotation } from "./annotations/index.js";
import type { AlleleKind, Variant } from "./types.js";

/** A variant flattened for display and storage: its columns, its annotation and its description. */
export interface VariantSummary {
  variantId: string;
  chrom: string;
  pos: number;
  /** The ID column (`""` for `.`). */
  id: string;
  ref: string;
  alt: string;
  kind: AlleleKind;
  qual: number | null;
  /** FILTER values joined with `;`, or `.` when the column was `.`. */
  filter: string;
  gene: string | null;
  consequence: string | null;
  /** ClinVar CLNSIG verbatim (`Likely_pathogenic`). */
  clinicalSignificance: string | null;
  /** ClinVar review status (CLNREVSTAT, underscores as spaces). */
  reviewStatus: string | null;
  condition: string | null;
  af: number | null;
  description: string;
  /** 1-based line of the record in the (decompressed) input; 0 when unknown (region reads). */
  line: number;
  /** Where the annotation came from (`clinvar`, `vep`, `snpeff`, `clinvar+vep`, ... or `none`). */
  source: AnnotationSource;
}

/** `chr17` → `17`, so files with and without the prefix describe alike. */
export function displayChromosome(chrom: string): string {
  return chrom.length > 3 && (chrom.charCodeAt(0) | 32) === 99 && (chrom.charCodeAt(1) | 32) === 104 && (chrom.charCodeAt(2) | 32) === 114
    ? chrom.slice(3)
    : chrom;
}

/**
 * The description of `v` given its annotation.
 * @example
 * describeVariant(v, { gene: "BRCA1", consequence: "missense_variant", clinicalSignificance: "Pathogenic", source: "clinvar" })
 * // "Variant at chromosome 17 position 43045712 reference allele G to alternate allele A in gene BRCA1 with consequence missense_variant clinical significance Pathogenic"
 */
export function describeVariant(v: Variant, a: VariantAnnotation): string {
  let s = `Variant at chromosome ${displayChromosome(v.chrom)} position ${v.pos} reference allele ${v.ref} to alternate allele ${v.alt}`;
  if (a.gene) s += ` in gene ${a.gene}`;
  if (a.consequence) s += ` with consequence ${a.consequence}`;
  if (a.clinicalSignificance) s += ` clinical significance ${a.clinicalSignificance.replaceAll("_", " ")}`;
  if (a.condition) s += ` condition ${a.condition}`;
  return s;
}

/** Annotates `v` with `layout` and flattens it with its description. */
export function summarizeVariant(v: Variant, layout: AnnotationLayout): VariantSummary {
  const a = annotate(v, layout);
  return {
    variantId: v.variantId,
    chrom: v.chrom,
    pos: v.pos,
    id: v.id,
    ref: v.ref,
    alt: v.alt,
    kind: v.kind,
    qual: v.qual,
    filter: v.filter.length === 0 ? "." : v.filter.join(";"),
    gene: a.gene ?? null,
    consequence: a.consequence ?? null,
    clinicalSignificance: a.clinicalSignificance ?? null,
    reviewStatus: a.reviewStatus ?? null,
    condition: a.condition ?? null,
    af: a.af ?? null,
    description: describeVariant(v, a),
    line: v.line,
    source: a.source,
  };
}
