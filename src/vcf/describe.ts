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
  return sentence(v.chrom, v.pos, v.ref, v.alt, a.gene, a.consequence, a.clinicalSignificance, a.condition);
}

/** The description of a summary's fields (what {@link describeVariant} gave for its variant). */
export function describeSummary(s: VariantSummary): string {
  return sentence(s.chrom, s.pos, s.ref, s.alt, s.gene, s.consequence, s.clinicalSignificance, s.condition);
}

/** The description sentence; summary-writer.ts writes the same one byte by byte (SummaryWriter.description). */
function sentence(
  chrom: string,
  pos: number,
  ref: string,
  alt: string,
  gene: string | null | undefined,
  consequence: string | null | undefined,
  clinicalSignificance: string | null | undefined,
  condition: string | null | undefined,
): string {
  let s = `Variant at chromosome ${displayChromosome(chrom)} position ${pos} reference allele ${ref} to alternate allele ${alt}`;
  if (gene) s += ` in gene ${gene}`;
  if (consequence) s += ` with consequence ${consequence}`;
  if (clinicalSignificance) s += ` clinical significance ${clinicalSignificance.replaceAll("_", " ")}`;
  if (condition) s += ` condition ${condition}`;
  return s;
}

/**
 * Annotates `v` with `layout` and flattens it with its description. With `describe` false the
 * description is left empty, for a writer that renders it from the fields
 * ({@link describeSummary}; SummaryWriter's `describe` argument).
 */
export function summarizeVariant(v: Variant, layout: AnnotationLayout, describe = true): VariantSummary {
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
    filter: v.filterText,
    gene: a.gene ?? null,
    consequence: a.consequence ?? null,
    clinicalSignificance: a.clinicalSignificance ?? null,
    reviewStatus: a.reviewStatus ?? null,
    condition: a.condition ?? null,
    af: a.af ?? null,
    description: describe ? describeVariant(v, a) : "",
    line: v.line,
    source: a.source,
  };
}

/** The columns of {@link VariantSummary}, in the order JSON lines and TSV print them. */
export const SUMMARY_COLUMNS = [
  "variantId",
  "chrom",
  "pos",
  "id",
  "ref",
  "alt",
  "kind",
  "qual",
  "filter",
  "gene",
  "consequence",
  "clinicalSignificance",
  "reviewStatus",
  "condition",
  "af",
  "description",
  "line",
  "source",
] as const satisfies readonly (keyof VariantSummary)[];

/**
 * `s` as a JSON string. Text without a character JSON must escape (quote, backslash, control
 * characters) or a surrogate (JSON.stringify escapes lone ones) is quoted as it is.
 */
function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

function jsonNumber(n: number | null): string {
  return n !== null && Number.isFinite(n) ? String(n) : "null";
}

function jsonText(s: string | null): string {
  return s === null ? "null" : jsonString(s);
}

/**
 * `JSON.stringify(s)`, character for character, without its generic walk over the object:
 * describe prints one per variant and the generic path cost more than reading the file.
 */
export function summaryJson(s: VariantSummary): string {
  return (
    `{"variantId":${jsonString(s.variantId)},"chrom":${jsonString(s.chrom)},"pos":${jsonNumber(s.pos)},"id":${jsonString(s.id)}` +
    `,"ref":${jsonString(s.ref)},"alt":${jsonString(s.alt)},"kind":${jsonString(s.kind)},"qual":${jsonNumber(s.qual)}` +
    `,"filter":${jsonString(s.filter)},"gene":${jsonText(s.gene)},"consequence":${jsonText(s.consequence)}` +
    `,"clinicalSignificance":${jsonText(s.clinicalSignificance)},"reviewStatus":${jsonText(s.reviewStatus)}` +
    `,"condition":${jsonText(s.condition)},"af":${jsonNumber(s.af)},"description":${jsonString(s.description)}` +
    `,"line":${jsonNumber(s.line)},"source":${jsonString(s.source)}}`
  );
}

/** Tabs and line breaks, which no VCF value holds, as spaces: what a TSV cell may not contain. */
export function tsvSpaces(v: string): string {
  return v.replace(/[\t\n\r]/g, " ");
}

/** A TSV cell: `.` for a missing value (as bcftools prints it); tabs and line breaks as spaces ({@link tsvSpaces}). */
function tsvCell(v: string | number | null): string {
  if (v === null) return ".";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : ".";
  return /[\t\n\r]/.test(v) ? tsvSpaces(v) : v === "" ? "." : v;
}

/** The header line of {@link summaryTsv} rows (no newline). */
export const SUMMARY_TSV_HEADER = SUMMARY_COLUMNS.join("\t");

/** One tab-separated line (no newline) of `s`'s columns in {@link SUMMARY_COLUMNS} order. */
export function summaryTsv(s: VariantSummary): string {
  return (
    `${tsvCell(s.variantId)}\t${tsvCell(s.chrom)}\t${tsvCell(s.pos)}\t${tsvCell(s.id)}\t${tsvCell(s.ref)}\t${tsvCell(s.alt)}` +
    `\t${tsvCell(s.kind)}\t${tsvCell(s.qual)}\t${tsvCell(s.filter)}\t${tsvCell(s.gene)}\t${tsvCell(s.consequence)}` +
    `\t${tsvCell(s.clinicalSignificance)}\t${tsvCell(s.reviewStatus)}\t${tsvCell(s.condition)}\t${tsvCell(s.af)}` +
    `\t${tsvCell(s.description)}\t${tsvCell(s.line)}\t${tsvCell(s.source)}`
  );
}
