/** VEP's `CSQ`: the entry of this ALT VEP picked, else the canonical one, else the most severe. */
import { consequenceRank, mostSevere } from "../consequences.js";
import type { Variant } from "../types.js";
import { ends, entriesFor, field, fieldIs, splitFields, starts } from "./_entries.js";
import { entryIndex, type Predicted, type RecordCache } from "./_record.js";

/** CSQ subfields read as allele frequency when no INFO key gives one. */
const CSQ_AF_FIELDS = ["gnomADe_AF", "gnomAD_AF", "gnomADg_AF", "AF", "MAX_AF"] as const;

/** Field indexes of one layout, computed once per names array. */
interface CsqIndex {
  allele: number; consequence: number; impact: number; symbol: number; gene: number;
  canonical: number; pick: number; alleleNum: number; hgvsc: number; hgvsp: number; af: number[]; max: number;
}
const csqIndexes = new WeakMap<readonly string[], CsqIndex>();
function csqIndex(names: readonly string[]): CsqIndex {
  let ix = csqIndexes.get(names);
  if (!ix) {
    const at = (n: string) => names.indexOf(n);
    const af = CSQ_AF_FIELDS.map(at).filter((i) => i >= 0);
    ix = {
      allele: at("Allele"), consequence: at("Consequence"), impact: at("IMPACT"), symbol: at("SYMBOL"),
      gene: at("Gene"), canonical: at("CANONICAL"), pick: at("PICK"), alleleNum: at("ALLELE_NUM"),
      hgvsc: at("HGVSc"), hgvsp: at("HGVSp"), af, max: 0,
    };
    ix.max = Math.max(ix.allele, ix.consequence, ix.impact, ix.symbol, ix.gene, ix.canonical, ix.pick, ix.alleleNum, ix.hgvsc, ix.hgvsp, ...af);
    csqIndexes.set(names, ix);
  }
  return ix;
}

/** VEP CSQ: among this ALT's entries prefer PICK=1, then CANONICAL=YES, then the most severe consequence. */
export function fromCsq(v: Variant, names: readonly string[], shared: RecordCache | undefined): Predicted | undefined {
  const ix = csqIndex(names);
  const index = entryIndex(v, "CSQ", shared, ix.allele, ix.alleleNum);
  const picks = index && entriesFor(index, v);
  if (!index || !picks) return undefined;
  let chosen: string | undefined;
  let bestScore = -Infinity;
  for (const i of picks) {
    const e = index.list[i]!;
    const n = splitFields(e, "|", ix.max);
    const rank = ix.consequence >= 0 && ix.consequence < n
      ? consequenceRank(mostSevere(e, "&", starts[ix.consequence]!, ends[ix.consequence]!) ?? "")
      : 1000;
    const score = (fieldIs(e, n, ix.pick, "1") ? 4e6 : 0) + (fieldIs(e, n, ix.canonical, "YES") ? 2e6 : 0) - rank;
    if (score > bestScore) {
      bestScore = score;
      chosen = e;
    }
  }
  if (chosen === undefined) return undefined;
  const e = chosen;
  const n = splitFields(e, "|", ix.max);
  const out: Predicted = {};
  const consequence = ix.consequence >= 0 && ix.consequence < n ? mostSevere(e, "&", starts[ix.consequence]!, ends[ix.consequence]!) : undefined;
  if (consequence !== undefined) out.consequence = consequence;
  const impact = field(e, n, ix.impact);
  if (impact !== undefined) out.impact = impact;
  const symbol = field(e, n, ix.symbol);
  if (symbol !== undefined) out.gene = symbol;
  const gene = field(e, n, ix.gene);
  if (gene !== undefined) out.geneId = gene;
  const hgvsc = field(e, n, ix.hgvsc);
  if (hgvsc !== undefined) out.hgvsC = afterColon(hgvsc);
  const hgvsp = field(e, n, ix.hgvsp);
  if (hgvsp !== undefined) out.hgvsP = vepProtein(hgvsp);
  for (const i of ix.af) {
    const f = field(e, n, i);
    const x = f === undefined ? NaN : Number(f);
    if (Number.isFinite(x)) {
      out.af = x;
      break;
    }
  }
  return out;
}

/**
 * VEP's HGVSp as a bare protein change: transcript prefix dropped, `%3D` decoded, and
 * VEP 77's synonymous form `c.462G>A(p.%3D)` reduced to `p.=`.
 */
function vepProtein(s: string): string {
  const p = afterColon(s).replaceAll("%3D", "=");
  const open = p.indexOf("(p.");
  return open >= 0 && p.endsWith(")") ? p.slice(open + 1, -1) : p;
}

/** `ENST00000456328.2:n.620G>C` → `n.620G>C` (VEP prefixes the transcript). */
function afterColon(s: string): string {
  const c = s.indexOf(":");
  return c >= 0 ? s.slice(c + 1) : s;
}
