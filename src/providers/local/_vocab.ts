/**
 * What the local embedder knows about words: template and stop words it ignores,
 * consequence groups and impacts, clinical-significance categories, and the query
 * words that map onto them ("missense" → missense_variant, "pathogenic" → Pathogenic),
 * so a free-text query and a description meet on the same structured features.
 * Everything is keyed by FNV-1a hash of the lower-cased text, so lookups allocate nothing.
 */
import { CONSEQUENCE_ORDER, type Impact } from "../../vcf/consequences.js";
import { hashLower } from "../../util/hash.js";

/** Words of the description template and common query filler: they say nothing about a variant. */
const STOP_WORDS = [
  "variant", "variants", "at", "chromosome", "position", "reference", "allele", "alleles", "to", "alternate",
  "in", "gene", "genes", "with", "consequence", "consequences", "clinical", "significance", "condition",
  "the", "a", "an", "of", "and", "or", "for", "on", "by", "from", "near", "that", "which", "are", "is", "be",
  "show", "find", "list", "me", "all", "any", "some", "similar", "like", "their", "its", "as",
];
/** Hashes of {@link STOP_WORDS}. */
export const STOP: ReadonlySet<number> = new Set(STOP_WORDS.map((w) => hashLower(w)));

/** Consequence groups: coarse classes shared by related SO terms. */
const GROUPS: Readonly<Record<string, readonly string[]>> = {
  lof: ["transcript_ablation", "exon_loss_variant", "splice_acceptor_variant", "splice_donor_variant", "stop_gained", "frameshift_variant", "stop_lost", "start_lost"],
  splice: ["splice_acceptor_variant", "splice_donor_variant", "splice_region_variant", "splice_donor_5th_base_variant", "splice_donor_region_variant", "splice_polypyrimidine_tract_variant"],
  protein: ["missense_variant", "protein_altering_variant", "inframe_insertion", "inframe_deletion", "disruptive_inframe_insertion", "disruptive_inframe_deletion", "conservative_inframe_insertion", "conservative_inframe_deletion", "stop_gained", "frameshift_variant", "stop_lost", "start_lost", "rare_amino_acid_variant"],
  inframe: ["inframe_insertion", "inframe_deletion", "disruptive_inframe_insertion", "disruptive_inframe_deletion", "conservative_inframe_insertion", "conservative_inframe_deletion"],
  silent: ["synonymous_variant", "start_retained_variant", "stop_retained_variant"],
  utr: ["5_prime_UTR_variant", "3_prime_UTR_variant", "5_prime_UTR_premature_start_codon_gain_variant"],
  noncoding: ["non_coding_transcript_exon_variant", "non_coding_transcript_variant", "NMD_transcript_variant", "mature_miRNA_variant", "intron_variant", "exon_variant", "intragenic_variant"],
  outside: ["upstream_gene_variant", "2KB_upstream_variant", "downstream_gene_variant", "500B_downstream_variant", "intergenic_variant", "intergenic_region", "regulatory_region_variant", "regulatory_region_ablation", "regulatory_region_amplification", "TF_binding_site_variant", "TFBS_ablation", "TFBS_amplification", "genic_upstream_transcript_variant", "genic_downstream_transcript_variant"],
};

/** Structured facts about one consequence term. */
export interface ConsequenceInfo {
  /** Hash of the lower-cased SO term: its identity feature. */
  readonly id: number;
  /** Hashes of its groups. */
  readonly groups: readonly number[];
  /** Hash of its impact class, or 0 when unknown. */
  readonly impact: number;
}

/** Hash of a group name, as a feature. */
export function groupFeature(name: string): number {
  return hashLower(`group:${name}`);
}
/** Hash of an impact class, as a feature. */
export function impactFeature(impact: Impact): number {
  return hashLower(`impact:${impact}`);
}

/** Consequence facts by hash of the lower-cased term (from the SO severity table). */
export const CONSEQUENCES: ReadonlyMap<number, ConsequenceInfo> = new Map(
  CONSEQUENCE_ORDER.map(([term, impact]) => {
    const groups = Object.entries(GROUPS).filter(([, terms]) => terms.includes(term)).map(([g]) => groupFeature(g));
    const id = hashLower(term);
    return [id, { id, groups, impact: impactFeature(impact) }] as const;
  }),
);

/** Clinical significance categories and their coarse direction. */
const SIGNIFICANCE: readonly (readonly [category: string, group: string | null, phrases: readonly string[]])[] = [
  ["pathogenic", "P", ["pathogenic"]],
  ["likely_pathogenic", "P", ["likely pathogenic"]],
  ["uncertain_significance", "U", ["uncertain significance", "vus"]],
  ["conflicting", "U", ["conflicting interpretations of pathogenicity", "conflicting classifications of pathogenicity", "conflicting data from submitters"]],
  ["likely_benign", "B", ["likely benign"]],
  ["benign", "B", ["benign"]],
  ["risk_factor", null, ["risk factor", "established risk allele", "likely risk allele", "uncertain risk allele"]],
  ["drug_response", null, ["drug response", "confers sensitivity"]],
  ["protective", null, ["protective"]],
  ["association", null, ["association"]],
  ["affects", null, ["affects"]],
  ["low_penetrance", null, ["low penetrance"]],
  ["not_provided", null, ["not provided", "no classification for the single variant", "no classifications from unflagged records"]],
  ["other", null, ["other"]],
];

/** Features of one significance category: its identity and, for P/U/B, its direction. */
export interface SignificanceInfo {
  readonly id: number;
  readonly group: number;
}

function significanceInfo(category: string, group: string | null): SignificanceInfo {
  return { id: hashLower(`sig:${category}`), group: group === null ? 0 : hashLower(`siggroup:${group}`) };
}

/** Significance categories by hash of the phrase, spelled lower-case with single spaces. */
export const SIGNIFICANCE_PHRASES: ReadonlyMap<number, SignificanceInfo> = new Map(
  SIGNIFICANCE.flatMap(([category, group, phrases]) => phrases.map((p) => [hashLower(p), significanceInfo(category, group)] as const)),
);

/** What a query word (or word pair) stands for. */
export type VocabAction =
  | { readonly block: "consequence"; readonly term?: ConsequenceInfo; readonly feature?: number }
  | { readonly block: "significance"; readonly sig?: SignificanceInfo; readonly feature?: number };

function term(name: string): VocabAction {
  const info = CONSEQUENCES.get(hashLower(name));
  if (!info) throw new Error(`vocabulary names unknown consequence ${name}`);
  return { block: "consequence", term: info };
}
function group(name: string): VocabAction {
  return { block: "consequence", feature: groupFeature(name) };
}
function impact(name: Impact): VocabAction {
  return { block: "consequence", feature: impactFeature(name) };
}
function sig(phrase: string): VocabAction {
  const info = SIGNIFICANCE_PHRASES.get(hashLower(phrase));
  if (!info) throw new Error(`vocabulary names unknown significance ${phrase}`);
  return { block: "significance", sig: info };
}
function sigGroup(g: "P" | "U" | "B"): VocabAction {
  return { block: "significance", feature: hashLower(`siggroup:${g}`) };
}

/** Single query words → structured features. */
const WORDS: Readonly<Record<string, VocabAction>> = {
  missense: term("missense_variant"),
  synonymous: term("synonymous_variant"),
  silent: term("synonymous_variant"),
  nonsense: term("stop_gained"),
  stopgain: term("stop_gained"),
  frameshift: term("frameshift_variant"),
  intron: term("intron_variant"),
  intronic: term("intron_variant"),
  upstream: term("upstream_gene_variant"),
  downstream: term("downstream_gene_variant"),
  intergenic: term("intergenic_variant"),
  splice: group("splice"),
  splicing: group("splice"),
  utr: group("utr"),
  inframe: group("inframe"),
  truncating: group("lof"),
  lof: group("lof"),
  ptv: group("lof"),
  coding: group("protein"),
  noncoding: group("noncoding"),
  regulatory: group("outside"),
  pathogenic: sig("pathogenic"),
  benign: sig("benign"),
  uncertain: sig("uncertain significance"),
  vus: sig("uncertain significance"),
  conflicting: sig("conflicting interpretations of pathogenicity"),
  protective: sig("protective"),
  deleterious: sigGroup("P"),
  damaging: sigGroup("P"),
  harmful: sigGroup("P"),
};

/** Word pairs (stop words between them skipped) → structured features; they win over their second word alone. */
const PAIRS: Readonly<Record<string, VocabAction>> = {
  "stop gained": term("stop_gained"),
  "stop gain": term("stop_gained"),
  "premature stop": term("stop_gained"),
  "stop lost": term("stop_lost"),
  "start lost": term("start_lost"),
  "frame shift": term("frameshift_variant"),
  "splice donor": term("splice_donor_variant"),
  "splice acceptor": term("splice_acceptor_variant"),
  "splice region": term("splice_region_variant"),
  "5 prime": term("5_prime_UTR_variant"),
  "3 prime": term("3_prime_UTR_variant"),
  "non coding": group("noncoding"),
  "loss function": group("lof"),
  "high impact": impact("HIGH"),
  "moderate impact": impact("MODERATE"),
  "low impact": impact("LOW"),
  "likely pathogenic": sig("likely pathogenic"),
  "likely benign": sig("likely benign"),
  "risk factor": sig("risk factor"),
  "drug response": sig("drug response"),
  "disease causing": sigGroup("P"),
};

/** Query words by hash. */
export const WORD_ACTIONS: ReadonlyMap<number, VocabAction> = new Map(Object.entries(WORDS).map(([w, a]) => [hashLower(w), a]));

/** Query word pairs by `pairHash(first, second)` as the tokenizer computes it. */
export function pairActions(pairHash: (a: number, b: number) => number): ReadonlyMap<number, VocabAction> {
  return new Map(
    Object.entries(PAIRS).map(([p, a]) => {
      const [x, y] = p.split(" ") as [string, string];
      return [pairHash(hashLower(x), hashLower(y)), a];
    }),
  );
}
