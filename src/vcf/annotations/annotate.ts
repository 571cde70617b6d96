/**
 * What a variant's INFO says about it: gene, consequence, clinical significance,
 * condition, allele frequency. Reads ClinVar fields (GENEINFO, CLNSIG, MC, CLNDN),
 * VEP `CSQ`, SnpEff `ANN` and old SnpEff `EFF`; ClinVar values win where both exist.
 * Runs on every variant, so entries are walked with indexOf and only needed fields sliced.
 */
import { consequenceImpact } from "../consequences.js";
import type { Variant } from "../types.js";
import { clinvar } from "./clinvar.js";
import { infoFrequency } from "./frequency.js";
import { DEFAULT_EFF_FIELDS, type AnnotationLayout } from "./layout.js";
import { presentKeys, recordCache, setPresent, type Predicted } from "./_record.js";
import { fromAnn, fromEff } from "./snpeff.js";
import { fromCsq } from "./vep.js";

/** Where a {@link VariantAnnotation}'s values came from. */
export type AnnotationSource = "clinvar" | "vep" | "snpeff" | "clinvar+vep" | "clinvar+snpeff" | "none";

/** The annotation of one ALT allele. Absent fields are unknown. */
export interface VariantAnnotation {
  /** Gene symbol, e.g. `BRCA1`. */
  gene?: string;
  /** Gene identifier as the source writes it (NCBI Gene id for ClinVar, Ensembl for VEP/SnpEff). */
  geneId?: string;
  /** Most severe consequence, as an SO term (`missense_variant`). */
  consequence?: string;
  /** Impact class (`HIGH`, `MODERATE`, `LOW`, `MODIFIER`). */
  impact?: string;
  /** ClinVar CLNSIG verbatim, e.g. `Likely_pathogenic` or `Pathogenic/Likely_pathogenic`. */
  clinicalSignificance?: string;
  /** ClinVar review status (CLNREVSTAT), underscores shown as spaces. */
  reviewStatus?: string;
  /** First informative ClinVar disease name, underscores shown as spaces. */
  condition?: string;
  /** Allele frequency of this ALT. */
  af?: number;
  /** HGVS coding change of the chosen transcript, e.g. `c.1885C>T`. */
  hgvsC?: string;
  /** HGVS protein change of the chosen transcript, e.g. `p.Pro629Ser`. */
  hgvsP?: string;
  /** Which annotations were found: ClinVar INFO, a predictor (VEP, SnpEff), both, or none. */
  source: AnnotationSource;
}

/**
 * The annotation of one ALT allele, from ClinVar INFO fields and, for what they lack,
 * VEP CSQ (else SnpEff ANN, else EFF) entries that belong to this ALT.
 */
export function annotate(variant: Variant, layout: AnnotationLayout): VariantAnnotation {
  const raw = variant.rawInfo;
  const shared = recordCache(variant, layout, raw);
  setPresent(shared ? shared.mask : presentKeys(raw));
  const clin = clinvar(variant);
  let pred: Predicted | undefined;
  let predSource: "vep" | "snpeff" | undefined;
  if (layout.csq) {
    pred = fromCsq(variant, layout.csq, shared);
    if (pred) predSource = "vep";
  }
  if (!pred && layout.ann) {
    pred = fromAnn(variant, layout.ann, shared);
    if (pred) predSource = "snpeff";
  }
  if (!pred && layout.eff) {
    pred = fromEff(variant, layout.effFields ?? DEFAULT_EFF_FIELDS);
    if (pred) predSource = "snpeff";
  }
  const source: AnnotationSource = clin
    ? predSource ? (`clinvar+${predSource}` as const) : "clinvar"
    : predSource ?? "none";
  const out: VariantAnnotation = { source };
  // Gene symbol and id travel together so a ClinVar symbol never gets a VEP id.
  if (clin?.gene !== undefined) {
    out.gene = clin.gene;
    if (clin.geneId !== undefined) out.geneId = clin.geneId;
  } else if (pred?.gene !== undefined || pred?.geneId !== undefined) {
    if (pred.gene !== undefined) out.gene = pred.gene;
    if (pred.geneId !== undefined) out.geneId = pred.geneId;
  }
  const consequence = clin?.consequence ?? pred?.consequence;
  if (consequence !== undefined) out.consequence = consequence;
  const impact = clin?.consequence !== undefined ? consequenceImpact(clin.consequence) : pred?.impact ?? (consequence && consequenceImpact(consequence));
  if (impact) out.impact = impact;
  if (clin?.clinicalSignificance !== undefined) out.clinicalSignificance = clin.clinicalSignificance;
  if (clin?.reviewStatus !== undefined) out.reviewStatus = clin.reviewStatus;
  if (clin?.condition !== undefined) out.condition = clin.condition;
  const af = infoFrequency(variant) ?? pred?.af;
  if (af !== undefined) out.af = af;
  if (pred?.hgvsC !== undefined) out.hgvsC = pred.hgvsC;
  if (pred?.hgvsP !== undefined) out.hgvsP = pred.hgvsP;
  return out;
}
