/**
 * Sequence Ontology consequence terms ranked by severity, most severe first: Ensembl's
 * VEP order (its "calculated variant consequences" table), with the terms SnpEff and
 * ClinVar use that VEP does not slotted in next to their nearest VEP neighbour.
 */

/** Putative impact class of a consequence, as VEP and SnpEff name it. */
export type Impact = "HIGH" | "MODERATE" | "LOW" | "MODIFIER";

/** `[SO term, impact]`, most severe first. The index is the severity rank. */
export const CONSEQUENCE_ORDER: readonly (readonly [string, Impact])[] = [
  ["chromosome_number_variation", "HIGH"], // SnpEff
  ["transcript_ablation", "HIGH"],
  ["exon_loss_variant", "HIGH"], // SnpEff
  ["splice_acceptor_variant", "HIGH"],
  ["splice_donor_variant", "HIGH"],
  ["stop_gained", "HIGH"],
  ["frameshift_variant", "HIGH"],
  ["stop_lost", "HIGH"],
  ["start_lost", "HIGH"],
  ["rare_amino_acid_variant", "HIGH"], // SnpEff
  ["gene_fusion", "HIGH"], // SnpEff
  ["bidirectional_gene_fusion", "HIGH"], // SnpEff
  ["transcript_amplification", "HIGH"],
  ["feature_elongation", "HIGH"],
  ["feature_truncation", "HIGH"],
  ["protein_protein_contact", "HIGH"], // SnpEff
  ["structural_interaction_variant", "HIGH"], // SnpEff
  ["inframe_insertion", "MODERATE"],
  ["disruptive_inframe_insertion", "MODERATE"], // SnpEff
  ["conservative_inframe_insertion", "MODERATE"], // SnpEff
  ["inframe_deletion", "MODERATE"],
  ["disruptive_inframe_deletion", "MODERATE"], // SnpEff
  ["conservative_inframe_deletion", "MODERATE"], // SnpEff
  ["missense_variant", "MODERATE"],
  ["protein_altering_variant", "MODERATE"],
  ["regulatory_region_ablation", "MODERATE"],
  ["splice_donor_5th_base_variant", "LOW"],
  ["splice_region_variant", "LOW"],
  ["splice_donor_region_variant", "LOW"],
  ["splice_polypyrimidine_tract_variant", "LOW"],
  ["incomplete_terminal_codon_variant", "LOW"],
  ["initiator_codon_variant", "LOW"], // SnpEff
  ["start_retained_variant", "LOW"],
  ["stop_retained_variant", "LOW"],
  ["5_prime_UTR_premature_start_codon_gain_variant", "LOW"], // SnpEff
  ["synonymous_variant", "LOW"],
  ["sequence_feature", "LOW"], // SnpEff
  ["coding_sequence_variant", "MODIFIER"],
  ["mature_miRNA_variant", "MODIFIER"],
  ["5_prime_UTR_variant", "MODIFIER"],
  ["3_prime_UTR_variant", "MODIFIER"],
  ["non_coding_transcript_exon_variant", "MODIFIER"],
  ["exon_variant", "MODIFIER"], // SnpEff
  ["intron_variant", "MODIFIER"],
  ["NMD_transcript_variant", "MODIFIER"],
  ["non_coding_transcript_variant", "MODIFIER"],
  ["coding_transcript_variant", "MODIFIER"],
  ["intragenic_variant", "MODIFIER"], // SnpEff
  ["gene_variant", "MODIFIER"], // SnpEff
  ["genic_upstream_transcript_variant", "MODIFIER"], // ClinVar MC
  ["genic_downstream_transcript_variant", "MODIFIER"], // ClinVar MC
  ["upstream_gene_variant", "MODIFIER"],
  ["2KB_upstream_variant", "MODIFIER"], // ClinVar MC
  ["downstream_gene_variant", "MODIFIER"],
  ["500B_downstream_variant", "MODIFIER"], // ClinVar MC
  ["TFBS_ablation", "MODIFIER"],
  ["TFBS_amplification", "MODIFIER"],
  ["TF_binding_site_variant", "MODIFIER"],
  ["regulatory_region_amplification", "MODIFIER"],
  ["regulatory_region_variant", "MODIFIER"],
  ["intergenic_variant", "MODIFIER"],
  ["intergenic_region", "MODIFIER"], // SnpEff
  ["sequence_variant", "MODIFIER"],
  ["no_sequence_alteration", "MODIFIER"], // ClinVar MC
];

/**
 * Names that are not the SO term for their concept, mapped to the SO term: ClinVar MC
 * spellings (`nonsense`, `non-coding_transcript_variant`, its misspelt
 * `initiatior_codon_variant`) and old SnpEff EFF effect names (`NON_SYNONYMOUS_CODING`).
 */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ["nonsense", "stop_gained"],
  ["non-coding_transcript_variant", "non_coding_transcript_variant"],
  ["initiatior_codon_variant", "start_lost"],
  ["NON_SYNONYMOUS_CODING", "missense_variant"],
  ["SYNONYMOUS_CODING", "synonymous_variant"],
  ["STOP_GAINED", "stop_gained"],
  ["STOP_LOST", "stop_lost"],
  ["START_LOST", "start_lost"],
  ["FRAME_SHIFT", "frameshift_variant"],
  ["CODON_INSERTION", "inframe_insertion"],
  ["CODON_DELETION", "inframe_deletion"],
  ["CODON_CHANGE", "coding_sequence_variant"],
  ["CODON_CHANGE_PLUS_CODON_INSERTION", "disruptive_inframe_insertion"],
  ["CODON_CHANGE_PLUS_CODON_DELETION", "disruptive_inframe_deletion"],
  ["SPLICE_SITE_ACCEPTOR", "splice_acceptor_variant"],
  ["SPLICE_SITE_DONOR", "splice_donor_variant"],
  ["SPLICE_SITE_REGION", "splice_region_variant"],
  ["SYNONYMOUS_START", "start_retained_variant"],
  ["NON_SYNONYMOUS_START", "initiator_codon_variant"],
  ["SYNONYMOUS_STOP", "stop_retained_variant"],
  ["START_GAINED", "5_prime_UTR_premature_start_codon_gain_variant"],
  ["RARE_AMINO_ACID", "rare_amino_acid_variant"],
  ["EXON_DELETED", "exon_loss_variant"],
  ["EXON", "non_coding_transcript_exon_variant"],
  ["INTRON", "intron_variant"],
  ["UTR_5_PRIME", "5_prime_UTR_variant"],
  ["UTR_3_PRIME", "3_prime_UTR_variant"],
  ["UPSTREAM", "upstream_gene_variant"],
  ["DOWNSTREAM", "downstream_gene_variant"],
  ["INTERGENIC", "intergenic_variant"],
  ["INTRAGENIC", "intragenic_variant"],
  ["CDS", "coding_sequence_variant"],
  ["GENE", "gene_variant"],
  ["TRANSCRIPT", "non_coding_transcript_variant"],
  ["REGULATION", "regulatory_region_variant"],
  ["MOTIF", "TF_binding_site_variant"],
]);

const RANK: ReadonlyMap<string, number> = new Map(CONSEQUENCE_ORDER.map(([term], i) => [term, i]));
const IMPACT: ReadonlyMap<string, Impact> = new Map(CONSEQUENCE_ORDER.map(([term, impact]) => [term, impact]));

/** Rank given to terms the table does not know: after every known term. */
export const UNKNOWN_CONSEQUENCE_RANK = CONSEQUENCE_ORDER.length;

/**
 * The SO term for a consequence name as annotators write it: aliases mapped
 * (`nonsense` → `stop_gained`, `NON_SYNONYMOUS_CODING` → `missense_variant`), other
 * names returned unchanged.
 */
export function soTerm(name: string): string {
  return ALIASES.get(name) ?? name;
}

/** Severity rank of an SO term (0 = most severe); unknown terms rank last. */
export function consequenceRank(term: string): number {
  return RANK.get(term) ?? UNKNOWN_CONSEQUENCE_RANK;
}

/** Impact class of an SO term, or undefined when the table does not know it. */
export function consequenceImpact(term: string): Impact | undefined {
  return IMPACT.get(term);
}

/**
 * The most severe SO term in `text[start, end)`, a `sep`-joined list of names such
 * as VEP's `splice_region_variant&intron_variant`; undefined when the range is empty.
 * With `afterBar`, each item is `id|name` (ClinVar's MC: `SO:0001583|missense_variant`)
 * and the name after the first `|` is read.
 */
export function mostSevere(text: string, sep: string, start = 0, end = text.length, afterBar = false): string | undefined {
  let best: string | undefined;
  let bestRank = Infinity;
  let from = start;
  while (from < end) {
    let to = text.indexOf(sep, from);
    if (to < 0 || to > end) to = end;
    let at = from;
    if (afterBar) {
      const bar = text.indexOf("|", from);
      if (bar >= 0 && bar < to) at = bar + 1;
    }
    if (to > at) {
      const term = soTerm(text.slice(at, to));
      const rank = consequenceRank(term);
      if (rank < bestRank) {
        best = term;
        bestRank = rank;
      }
    }
    from = to + sep.length;
  }
  return best;
}
