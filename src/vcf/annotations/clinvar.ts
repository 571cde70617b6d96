/** ClinVar's INFO fields: GENEINFO, CLNSIG, MC (molecular consequence) and CLNDN (condition). */
import { mostSevere } from "../consequences.js";
import type { Variant } from "../types.js";
import { text } from "./_record.js";

/** ClinVar disease names that say nothing about the condition. */
const UNINFORMATIVE_CONDITIONS = new Set(["not provided", "not specified", "see cases", "none provided", "."]);

export interface Clinvar {
  gene?: string;
  geneId?: string;
  consequence?: string;
  clinicalSignificance?: string;
  /** CLNREVSTAT with underscores as spaces, e.g. `criteria provided, multiple submitters, no conflicts`. */
  reviewStatus?: string;
  condition?: string;
}

/** ClinVar's fields, or undefined when the record has none of them. */
export function clinvar(v: Variant): Clinvar | undefined {
  const geneinfo = text(v, "GENEINFO");
  const clnsig = text(v, "CLNSIG");
  const revstat = text(v, "CLNREVSTAT");
  const mc = text(v, "MC");
  const clndn = text(v, "CLNDN");
  if (geneinfo === undefined && clnsig === undefined && mc === undefined && clndn === undefined) return undefined;
  const out: Clinvar = {};
  if (geneinfo !== undefined) {
    // `BRCA1:672|NBR2:10230`: the first pair is the gene the variant is assigned to.
    let end = geneinfo.indexOf("|");
    if (end < 0) end = geneinfo.length;
    const colon = geneinfo.indexOf(":");
    if (colon >= 0 && colon < end) {
      if (colon > 0) out.gene = geneinfo.slice(0, colon);
      if (end > colon + 1) out.geneId = geneinfo.slice(colon + 1, end);
    } else if (end > 0) {
      out.gene = geneinfo.slice(0, end);
    }
  }
  if (clnsig !== undefined) out.clinicalSignificance = clnsig;
  if (revstat !== undefined) out.reviewStatus = revstat.replaceAll("_", " ");
  if (mc !== undefined) {
    const c = mostSevereMc(mc);
    if (c !== undefined) out.consequence = c;
  }
  if (clndn !== undefined) {
    const c = firstCondition(clndn);
    if (c !== undefined) out.condition = c;
  }
  return out;
}

/** `SO:0001583|missense_variant,SO:0001619|non-coding_transcript_variant` → the most severe SO term. */
function mostSevereMc(mc: string): string | undefined {
  return mostSevere(mc, ",", 0, mc.length, true);
}

/** `not_provided|Hereditary_breast_ovarian_cancer_syndrome` → `Hereditary breast ovarian cancer syndrome`. */
function firstCondition(clndn: string): string | undefined {
  let from = 0;
  while (from <= clndn.length) {
    let to = clndn.indexOf("|", from);
    if (to < 0) to = clndn.length;
    let s = from;
    let e = to;
    while (s < e && isBlank(clndn.charCodeAt(s))) s++;
    while (e > s && isBlank(clndn.charCodeAt(e - 1))) e--;
    if (e > s && !isUninformative(clndn, s, e)) return clndn.slice(s, e).replaceAll("_", " ");
    from = to + 1;
  }
  return undefined;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 95; // space or ClinVar's '_'
}

/** True when `text[s, e)` is one of {@link UNINFORMATIVE_CONDITIONS}, ignoring case and `_` vs space. */
function isUninformative(text: string, s: number, e: number): boolean {
  for (const name of UNINFORMATIVE_CONDITIONS) {
    if (name.length !== e - s) continue;
    let i = 0;
    for (; i < name.length; i++) {
      let c = text.charCodeAt(s + i);
      if (c === 95) c = 32;
      else if (c >= 65 && c <= 90) c += 32;
      if (c !== name.charCodeAt(i)) break;
    }
    if (i === name.length) return true;
  }
  return false;
}
