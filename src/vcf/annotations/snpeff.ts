/** SnpEff's `ANN` (and the old `EFF`): the most severe entry of this ALT. */
import { consequenceRank, mostSevere, soTerm } from "../consequences.js";
import type { Variant } from "../types.js";
import { ends, entriesFor, field, splitFields, starts } from "./_entries.js";
import { entries, entryIndex, info, type Predicted, type RecordCache } from "./_record.js";

/** SnpEff ANN: the first entry for this ALT (SnpEff sorts entries most severe first). */
export function fromAnn(v: Variant, names: readonly string[], shared: RecordCache | undefined): Predicted | undefined {
  const at = (name: string) => names.indexOf(name);
  const iAllele = at("Allele");
  const iAnn = at("Annotation");
  const iImpact = at("Annotation_Impact");
  const iGene = at("Gene_Name");
  const iGeneId = at("Gene_ID");
  const iC = at("HGVS.c");
  const iP = at("HGVS.p");
  const max = Math.max(iAllele, iAnn, iImpact, iGene, iGeneId, iC, iP);
  const index = entryIndex(v, "ANN", shared, iAllele, -1);
  const picks = index && entriesFor(index, v);
  if (!index || !picks) return undefined;
  for (const i of picks) {
    const e = index.list[i]!;
    const n = splitFields(e, "|", max);
    const out: Predicted = {};
    const consequence = iAnn >= 0 && iAnn < n ? mostSevere(e, "&", starts[iAnn]!, ends[iAnn]!) : undefined;
    if (consequence !== undefined) out.consequence = consequence;
    const impact = field(e, n, iImpact);
    if (impact !== undefined) out.impact = impact;
    const gene = field(e, n, iGene);
    if (gene !== undefined) out.gene = gene;
    const geneId = field(e, n, iGeneId);
    if (geneId !== undefined) out.geneId = geneId;
    const c = field(e, n, iC);
    if (c !== undefined) out.hgvsC = c;
    const p = field(e, n, iP);
    if (p !== undefined) out.hgvsP = p;
    return out;
  }
  return undefined;
}

const IMPACT_ORDER: Readonly<Record<string, number>> = { HIGH: 0, MODERATE: 1, LOW: 2, MODIFIER: 3 };

/** Old SnpEff EFF `EFFECT(IMPACT|CLASS|CODON|AA|AA_LEN|GENE|...)`: the most severe entry for this ALT. */
export function fromEff(v: Variant, names: readonly string[]): Predicted | undefined {
  const list = entries(info(v, "EFF"));
  if (!list || list.length === 0) return undefined;
  const at = (re: RegExp) => names.findIndex((n) => re.test(n));
  const iImpact = at(/^effect_impact$/i);
  const iGene = at(/^gene_name$/i);
  const iAa = at(/^amino_acid_change$/i);
  const iGt = at(/^genotype/i);
  const max = Math.max(iImpact, iGene, iAa, iGt);
  let chosen: string | undefined;
  let best = Infinity;
  for (const e of list) {
    const open = e.indexOf("(");
    const close = e.lastIndexOf(")");
    if (open <= 0 || close < open) continue;
    const n = splitFields(e, "|", max, open + 1, close);
    // The genotype field, when present, is the 1-based ALT number the entry is about.
    const gt = field(e, n, iGt);
    if (gt !== undefined && /^\d+$/.test(gt) && Number(gt) !== v.altIndex + 1) continue;
    const impact = field(e, n, iImpact);
    const term = soTerm(e.slice(0, open));
    const score = (impact !== undefined ? IMPACT_ORDER[impact] ?? 4 : 4) * 1000 + consequenceRank(term);
    if (score < best) {
      best = score;
      chosen = e;
    }
  }
  if (chosen === undefined) return undefined;
  const e = chosen;
  const open = e.indexOf("(");
  const n = splitFields(e, "|", max, open + 1, e.lastIndexOf(")"));
  const out: Predicted = { consequence: soTerm(e.slice(0, open)) };
  const impact = field(e, n, iImpact);
  if (impact !== undefined) out.impact = impact;
  const gene = field(e, n, iGene);
  if (gene !== undefined) out.gene = gene;
  const aa = field(e, n, iAa);
  if (aa !== undefined && aa.startsWith("p.")) out.hgvsP = aa;
  return out;
}
