/**
 * What a variant's INFO says about it: gene, consequence, clinical significance,
 * condition, allele frequency. Reads ClinVar fields (GENEINFO, CLNSIG, MC, CLNDN),
 * VEP `CSQ`, SnpEff `ANN` and old SnpEff `EFF`; ClinVar values win where both exist.
 * Runs on every variant, so entries are walked with indexOf and only needed fields sliced.
 */
import { consequenceImpact, consequenceRank, mostSevere, soTerm } from "./consequences.js";
import type { InfoValue, Variant, VcfHeader } from "./types.js";
import { SHARE_FROM_ALTS } from "./variant.js";

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
const DEFAULT_EFF_FIELDS: readonly string[] = [
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

/** INFO keys read as allele frequency, in order of preference (`AF` is sliced to the ALT by the reader). */
const AF_KEYS = [
  "AF", "AF_EXAC", "AF_ESP", "AF_TGP", "gnomAD_AF", "gnomADe_AF", "gnomADg_AF", "AF_gnomad", "gnomad_AF",
  "gnomAD_exomes_AF", "gnomAD_genomes_AF", "ExAC_AF", "MAX_AF",
] as const;
/** CSQ subfields read as allele frequency when no INFO key gives one. */
const CSQ_AF_FIELDS = ["gnomADe_AF", "gnomAD_AF", "gnomADg_AF", "AF", "MAX_AF"] as const;

/** Every INFO key annotate reads; a bit each in the mask of keys present on a record. */
const READ_KEYS = ["GENEINFO", "CLNSIG", "MC", "CLNDN", "CSQ", "ANN", "EFF", ...AF_KEYS] as const;
type ReadKey = (typeof READ_KEYS)[number];
const KEY_BIT = new Map<string, number>(READ_KEYS.map((k, i) => [k, 1 << i]));
/** READ_KEYS by the code of their first character, for the presence scan. */
const BY_FIRST: ([string, number][] | undefined)[] = [];
for (const [k, bit] of KEY_BIT) (BY_FIRST[k.charCodeAt(0)] ??= []).push([k, bit]);

/**
 * Which READ_KEYS the INFO text holds, as a bit mask, in one pass over it. Asking the
 * variant only for keys that are there keeps absent keys from costing a search each.
 */
function presentKeys(raw: string): number {
  let mask = 0;
  const n = raw.length;
  let s = 0;
  while (s < n) {
    let e = raw.indexOf(";", s);
    if (e < 0) e = n;
    const candidates = BY_FIRST[raw.charCodeAt(s)];
    if (candidates) {
      for (const [key, bit] of candidates) {
        const end = s + key.length;
        if (end <= e && raw.startsWith(key, s) && (end === e || raw.charCodeAt(end) === 61 /* = */)) {
          mask |= bit;
          break;
        }
      }
    }
    s = e + 1;
  }
  return mask;
}

// Keys present on the record being annotated (annotate is synchronous, so one slot serves).
let present = 0;

/**
 * What annotate works out once for a multi-allelic record and its ALTs share: the keys
 * present and the CSQ/ANN entry indexes. Keyed by the INFO text (VcfVariant hands out one
 * string per record, so the comparison is by identity) and the layout.
 */
interface RecordCache {
  raw: string | undefined;
  layout: AnnotationLayout | undefined;
  mask: number;
  CSQ: EntryIndex | null | undefined;
  ANN: EntryIndex | null | undefined;
}
const record: RecordCache = { raw: undefined, layout: undefined, mask: 0, CSQ: undefined, ANN: undefined };

/** The per-record cache for `variant`, emptied first when it holds another record; undefined for records with few ALTs. */
function recordCache(variant: Variant, layout: AnnotationLayout, raw: string): RecordCache | undefined {
  if (variant.altCount < SHARE_FROM_ALTS) return undefined;
  if (record.raw !== raw || record.layout !== layout) {
    record.raw = raw;
    record.layout = layout;
    record.mask = presentKeys(raw);
    record.CSQ = undefined;
    record.ANN = undefined;
  }
  return record;
}

/** The entry index of CSQ or ANN for `v`, from the record cache when the list is the same for every ALT. */
function entryIndex(v: Variant, key: "CSQ" | "ANN", shared: RecordCache | undefined, alleleIdx: number, alleleNumIdx: number): EntryIndex | null {
  const reuse = shared !== undefined && shared.layout?.sharedEntries === true;
  if (reuse && shared[key] !== undefined) return shared[key];
  const list = entries(info(v, key));
  const index = list && list.length > 0 ? new EntryIndex(list, "|", alleleIdx, alleleNumIdx) : null;
  if (reuse) shared[key] = index;
  return index;
}

/** `v.info(key)` when the record has `key`, without searching for keys it lacks. */
function info(v: Variant, key: ReadKey): InfoValue | undefined {
  return (present & KEY_BIT.get(key)!) !== 0 ? v.info(key) : undefined;
}

/** ClinVar disease names that say nothing about the condition. */
const UNINFORMATIVE_CONDITIONS = new Set(["not provided", "not specified", "see cases", "none provided", "."]);

/**
 * The annotation of one ALT allele, from ClinVar INFO fields and, for what they lack,
 * VEP CSQ (else SnpEff ANN, else EFF) entries that belong to this ALT.
 */
export function annotate(variant: Variant, layout: AnnotationLayout): VariantAnnotation {
  const raw = variant.rawInfo;
  const shared = recordCache(variant, layout, raw);
  present = shared ? shared.mask : presentKeys(raw);
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
  if (clin?.condition !== undefined) out.condition = clin.condition;
  const af = infoFrequency(variant) ?? pred?.af;
  if (af !== undefined) out.af = af;
  if (pred?.hgvsC !== undefined) out.hgvsC = pred.hgvsC;
  if (pred?.hgvsP !== undefined) out.hgvsP = pred.hgvsP;
  return out;
}

interface Clinvar {
  gene?: string;
  geneId?: string;
  consequence?: string;
  clinicalSignificance?: string;
  condition?: string;
}

/** ClinVar's fields, or undefined when the record has none of them. */
function clinvar(v: Variant): Clinvar | undefined {
  const geneinfo = infoText(info(v, "GENEINFO"));
  const clnsig = infoText(info(v, "CLNSIG"));
  const mc = infoText(info(v, "MC"));
  const clndn = infoText(info(v, "CLNDN"));
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
  let best: string | undefined;
  let bestRank = Infinity;
  let from = 0;
  while (from < mc.length) {
    let to = mc.indexOf(",", from);
    if (to < 0) to = mc.length;
    const bar = mc.indexOf("|", from);
    const start = bar >= 0 && bar < to ? bar + 1 : from;
    if (to > start) {
      const term = soTerm(mc.slice(start, to));
      const rank = consequenceRank(term);
      if (rank < bestRank) {
        best = term;
        bestRank = rank;
      }
    }
    from = to + 1;
  }
  return best;
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

/** Allele frequency from INFO (AF, then AF_EXAC, AF_ESP, AF_TGP, gnomAD-style keys). */
function infoFrequency(v: Variant): number | undefined {
  for (const key of AF_KEYS) {
    const f = frequency(info(v, key), v.altIndex);
    if (f !== undefined) return f;
  }
  return undefined;
}

/** A frequency from an INFO value: a number, a numeric string, or a per-ALT list not yet sliced. */
function frequency(value: InfoValue | undefined, altIndex: number): number | undefined {
  if (value === undefined || value === null || typeof value === "boolean") return undefined;
  const scalar = Array.isArray(value) ? (value.length === 1 ? value[0] : value[altIndex]) : value;
  if (scalar === undefined || scalar === null) return undefined;
  const n = typeof scalar === "number" ? scalar : Number(scalar);
  return Number.isFinite(n) && scalar !== "" ? n : undefined;
}

/**
 * An INFO value as the text the file held (lists re-joined with `,`); undefined for absent,
 * flags, and values with nothing in them (`.`, empty, or a list of those: `CLNSIG=` declared
 * Number=. gave `""` and made an unannotated variant look like a ClinVar one).
 */
function infoText(value: InfoValue | undefined): string | undefined {
  if (value === undefined || value === null || typeof value === "boolean") return undefined;
  if (typeof value === "string") return value === "" || value === "." ? undefined : value;
  if (typeof value === "number") return String(value);
  if (value.every((x) => x === null || x === "" || x === ".")) return undefined;
  return value.map((x) => (x === null ? "." : String(x))).join(",");
}

/** Comma-separated entries of a CSQ/ANN/EFF value (the reader may already have split them). */
function entries(value: InfoValue | undefined): readonly string[] | undefined {
  if (value === undefined || value === null || typeof value === "boolean") return undefined;
  if (typeof value === "string") return value.split(",");
  if (typeof value === "number") return undefined;
  return value.filter((x): x is string => typeof x === "string");
}

/** What a predictor (VEP, SnpEff) says about the chosen transcript of this ALT. */
interface Predicted {
  gene?: string;
  geneId?: string;
  consequence?: string;
  impact?: string;
  af?: number;
  hgvsC?: string;
  hgvsP?: string;
}

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

// Field boundaries of the entry being read; reused so parsing allocates no arrays.
const starts = new Int32Array(512);
const ends = new Int32Array(512);

/** Records the bounds of `entry`'s `sep`-separated fields 0..max in starts/ends; returns how many exist. */
function splitFields(entry: string, sep: string, max: number, from = 0, stop = entry.length): number {
  const limit = Math.min(max + 1, starts.length);
  let n = 0;
  let at = from;
  while (n < limit) {
    let to = entry.indexOf(sep, at);
    if (to < 0 || to > stop) to = stop;
    starts[n] = at;
    ends[n] = to;
    n++;
    if (to >= stop) break;
    at = to + 1;
  }
  return n;
}

function fieldIs(entry: string, n: number, i: number, text: string): boolean {
  if (i < 0 || i >= n) return false;
  const s = starts[i]!;
  return ends[i]! - s === text.length && entry.startsWith(text, s);
}

function field(entry: string, n: number, i: number): string | undefined {
  if (i < 0 || i >= n) return undefined;
  const s = starts[i]!;
  const e = ends[i]!;
  return e > s ? entry.slice(s, e) : undefined;
}

/** Lists at most this long are searched entry by entry; longer ones get a map on first use. */
const FEW_ENTRIES = 16;

/**
 * The Allele and ALLELE_NUM subfields of every entry of one CSQ/ANN value, so an ALT's
 * entries are found without splitting every entry for every ALT (a record with 2,000 ALTs
 * and one VEP entry each took 4 s to describe when each ALT scanned all entries). The ALTs
 * of a record share one index when the value is the same list for all of them.
 */
class EntryIndex {
  private readonly alleles: (string | undefined)[];
  /** ALLELE_NUM per entry, read on first need (most ALTs are found by their Allele text). */
  private numbers: (string | undefined)[] | null | undefined;
  private byAllele: Map<string, number[]> | undefined;
  private byNumber: Map<string, number[]> | undefined;

  constructor(
    readonly list: readonly string[],
    private readonly sep: string,
    alleleIdx: number,
    private readonly alleleNumIdx: number,
  ) {
    const alleles = new Array<string | undefined>(list.length);
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const n = splitFields(e, sep, alleleIdx);
      alleles[i] = alleleIdx >= 0 && alleleIdx < n ? e.slice(starts[alleleIdx]!, ends[alleleIdx]!) : undefined;
    }
    this.alleles = alleles;
  }

  /** True when some entry carries ALLELE_NUM. */
  get hasNumber(): boolean {
    return this.allNumbers() !== null;
  }

  /** Indexes, in order, of the entries whose Allele subfield is `text`. */
  withAllele(text: string): readonly number[] {
    if (this.alleles.length <= FEW_ENTRIES) return scan(this.alleles, text);
    return (this.byAllele ??= group(this.alleles)).get(text) ?? NONE;
  }

  /** Indexes, in order, of the entries whose ALLELE_NUM is `text`. */
  withNumber(text: string): readonly number[] {
    const numbers = this.allNumbers();
    if (numbers === null) return NONE;
    if (numbers.length <= FEW_ENTRIES) return scan(numbers, text);
    return (this.byNumber ??= group(numbers)).get(text) ?? NONE;
  }

  /** Every entry's index. */
  all(): readonly number[] {
    return Array.from(this.list, (_, i) => i);
  }

  private allNumbers(): (string | undefined)[] | null {
    if (this.numbers !== undefined) return this.numbers;
    let numbers: (string | undefined)[] | null = null;
    const idx = this.alleleNumIdx;
    if (idx >= 0) {
      for (let i = 0; i < this.list.length; i++) {
        const e = this.list[i]!;
        const num = field(e, splitFields(e, this.sep, idx), idx);
        if (num !== undefined) (numbers ??= new Array<string | undefined>(this.list.length))[i] = num;
      }
    }
    return (this.numbers = numbers);
  }
}

const NONE: readonly number[] = [];

function scan(values: readonly (string | undefined)[], text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] === text) out.push(i);
  return out;
}

function group(values: readonly (string | undefined)[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined) continue;
    const at = map.get(v);
    if (at) at.push(i);
    else map.set(v, [i]);
  }
  return map;
}

/**
 * The entries of this ALT: those whose Allele is written as the ALT, else those written
 * VEP-style without the shared first base (`-` when nothing is left), else by ALLELE_NUM
 * when the entries carry it, else all entries of a one-ALT record; undefined when none
 * belong to it. Allele text comes first because files decomposed after annotation keep the
 * original record's ALLELE_NUM.
 */
function entriesFor(index: EntryIndex, v: Variant): readonly number[] | undefined {
  const { ref, alt } = v;
  const exact = index.withAllele(alt);
  if (exact.length > 0) return exact;
  if (ref.length > 0 && alt.length > 0 && ref.charCodeAt(0) === alt.charCodeAt(0)) {
    const trimmed = index.withAllele(alt.length === 1 ? "-" : alt.slice(1));
    if (trimmed.length > 0) return trimmed;
  }
  if (index.hasNumber) return index.withNumber(String(v.altIndex + 1));
  return v.altCount === 1 ? index.all() : undefined;
}

/** VEP CSQ: among this ALT's entries prefer PICK=1, then CANONICAL=YES, then the most severe consequence. */
function fromCsq(v: Variant, names: readonly string[], shared: RecordCache | undefined): Predicted | undefined {
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

/** SnpEff ANN: the first entry for this ALT (SnpEff sorts entries most severe first). */
function fromAnn(v: Variant, names: readonly string[], shared: RecordCache | undefined): Predicted | undefined {
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
function fromEff(v: Variant, names: readonly string[]): Predicted | undefined {
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
