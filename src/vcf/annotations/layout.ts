/** The subfield layout of CSQ, ANN and EFF, read once per file from the header. */
import type { VcfHeader } from "../types.js";

/** Subfield names of the annotation INFO fields, read once from the header. */
export interface AnnotationLayout {
  /** VEP `CSQ` subfield names, from its Description `... Format: Allele|Consequence|...`. */
  csq?: string[];
  /** SnpEff `ANN` subfield names, from its Description or the standard 16. */
  ann?: string[];
  /** True when the header declares old SnpEff `EFF`. */
  eff?: boolean;
  /** `EFF` subfield names inside the parentheses (`Effect_Impact`, ..., `Gene_Name`, ...). */
  effFields?: string[];
  /**
   * True when CSQ and ANN are declared with a Number other than A, R or G, so every ALT of a
   * record reads the same entry list and one index of it serves them all.
   */
  sharedEntries?: boolean;
}

/** SnpEff's standard ANN subfields (the ANN format specification, v1.0). */
export const STANDARD_ANN_FIELDS: readonly string[] = [
  "Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
  "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p", "cDNA.pos / cDNA.length", "CDS.pos / CDS.length",
  "AA.pos / AA.length", "Distance", "ERRORS / WARNINGS / INFO",
];

/** VEP's default `--vcf` CSQ fields, for a CSQ header whose Description lacks `Format:`. */
const DEFAULT_CSQ_FIELDS: readonly string[] = [
  "Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE", "EXON", "INTRON",
  "HGVSc", "HGVSp", "cDNA_position", "CDS_position", "Protein_position", "Amino_acids", "Codons",
  "Existing_variation", "DISTANCE", "STRAND", "FLAGS", "SYMBOL_SOURCE", "HGNC_ID",
];

/** SnpEff 3/4 EFF subfields, for an EFF header whose Description cannot be read. */
export const DEFAULT_EFF_FIELDS: readonly string[] = [
  "Effect_Impact", "Functional_Class", "Codon_Change", "Amino_Acid_Change", "Amino_Acid_Length", "Gene_Name",
  "Transcript_BioType", "Gene_Coding", "Transcript_ID", "Exon_Rank", "Genotype_Number",
];

/**
 * Reads the subfield layout of CSQ, ANN and EFF from the header's `##INFO` Descriptions.
 * @example
 * const layout = annotationLayout(header);  // once per file
 * for (const v of variants) annotate(v, layout);
 */
export function annotationLayout(header: VcfHeader): AnnotationLayout {
  const layout: AnnotationLayout = {};
  const csq = header.info.get("CSQ");
  if (csq) {
    const at = csq.description.indexOf("Format:");
    const names = at >= 0 ? splitNames(csq.description.slice(at + 7)) : [];
    layout.csq = names.length > 1 ? names : [...DEFAULT_CSQ_FIELDS];
  }
  const ann = header.info.get("ANN");
  if (ann) {
    const d = ann.description;
    const open = d.indexOf("'");
    const close = d.lastIndexOf("'");
    const names = open >= 0 && close > open ? splitNames(d.slice(open + 1, close)) : [];
    layout.ann = names.length > 1 && names.includes("Allele") ? names : [...STANDARD_ANN_FIELDS];
  }
  const eff = header.info.get("EFF");
  if (eff) {
    const d = eff.description;
    const open = d.indexOf("(");
    const close = d.lastIndexOf(")");
    const names = open >= 0 && close > open ? splitNames(d.slice(open + 1, close).replace(/[[\]]/g, "")) : [];
    layout.eff = true;
    layout.effFields = names.some((n) => /^gene_name$/i.test(n)) ? names : [...DEFAULT_EFF_FIELDS];
  }
  if (csq || ann) {
    const perAllele = (n: string | undefined) => n === "A" || n === "R" || n === "G";
    layout.sharedEntries = !perAllele(csq?.number) && !perAllele(ann?.number);
  }
  return layout;
}

/** `a | b|c "` → `["a", "b", "c"]`: names trimmed of spaces and closing quotes, empties dropped. */
function splitNames(text: string): string[] {
  return text
    .split("|")
    .map((s) => s.trim().replace(/^['"]+|['"]+$/g, "").trim())
    .filter((s) => s.length > 0);
}
