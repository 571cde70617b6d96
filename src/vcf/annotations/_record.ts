/**
 * Per-record INFO access shared by the annotation readers: which of the keys they read a
 * record holds (one pass over the INFO text), the cache the ALTs of one record share, and
 * INFO values as text or entry lists.
 */
import type { InfoValue, Variant } from "../types.js";
import { SHARE_FROM_ALTS } from "../variant.js";
import type { AnnotationLayout } from "./layout.js";
import { EntryIndex } from "./_entries.js";

/** INFO keys read as allele frequency, in order of preference (`AF` is sliced to the ALT by the reader). */
export const AF_KEYS = [
  "AF", "AF_EXAC", "AF_ESP", "AF_TGP", "gnomAD_AF", "gnomADe_AF", "gnomADg_AF", "AF_gnomad", "gnomad_AF",
  "gnomAD_exomes_AF", "gnomAD_genomes_AF", "ExAC_AF", "MAX_AF",
] as const;
/** Every INFO key annotate reads; a bit each in the mask of keys present on a record. */
const READ_KEYS = ["GENEINFO", "CLNSIG", "CLNREVSTAT", "MC", "CLNDN", "CSQ", "ANN", "EFF", ...AF_KEYS] as const;
export type ReadKey = (typeof READ_KEYS)[number];
const KEY_BIT = new Map<string, number>(READ_KEYS.map((k, i) => [k, 1 << i]));
/** READ_KEYS by the code of their first character, for the presence scan. */
const BY_FIRST: ([string, number][] | undefined)[] = [];
for (const [k, bit] of KEY_BIT) (BY_FIRST[k.charCodeAt(0)] ??= []).push([k, bit]);

/**
 * Which READ_KEYS the INFO text holds, as a bit mask, in one pass over it. Asking the
 * variant only for keys that are there keeps absent keys from costing a search each.
 */
export function presentKeys(raw: string): number {
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

/** Makes {@link info} answer for the record whose key mask is `mask` (set once per annotate call). */
export function setPresent(mask: number): void {
  present = mask;
}

/**
 * What annotate works out once for a multi-allelic record and its ALTs share: the keys
 * present and the CSQ/ANN entry indexes. Keyed by the INFO text (VcfVariant hands out one
 * string per record, so the comparison is by identity) and the layout.
 */
export interface RecordCache {
  raw: string | undefined;
  layout: AnnotationLayout | undefined;
  mask: number;
  CSQ: EntryIndex | null | undefined;
  ANN: EntryIndex | null | undefined;
}
const record: RecordCache = { raw: undefined, layout: undefined, mask: 0, CSQ: undefined, ANN: undefined };

/** The per-record cache for `variant`, emptied first when it holds another record; undefined for records with few ALTs. */
export function recordCache(variant: Variant, layout: AnnotationLayout, raw: string): RecordCache | undefined {
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
export function entryIndex(v: Variant, key: "CSQ" | "ANN", shared: RecordCache | undefined, alleleIdx: number, alleleNumIdx: number): EntryIndex | null {
  const reuse = shared !== undefined && shared.layout?.sharedEntries === true;
  if (reuse && shared[key] !== undefined) return shared[key];
  const list = entries(info(v, key));
  const index = list && list.length > 0 ? new EntryIndex(list, "|", alleleIdx, alleleNumIdx) : null;
  if (reuse) shared[key] = index;
  return index;
}

/** `v.info(key)` when the record has `key`, without searching for keys it lacks. */
export function info(v: Variant, key: ReadKey): InfoValue | undefined {
  return (present & KEY_BIT.get(key)!) !== 0 ? v.info(key) : undefined;
}

/** `v.infoText(key)` when the record has `key`, without searching for keys it lacks. */
export function text(v: Variant, key: ReadKey): string | undefined {
  return (present & KEY_BIT.get(key)!) !== 0 ? v.infoText(key) : undefined;
}

/** Comma-separated entries of a CSQ/ANN/EFF value (the reader may already have split them). */
export function entries(value: InfoValue | undefined): readonly string[] | undefined {
  if (value === undefined || value === null || typeof value === "boolean") return undefined;
  if (typeof value === "string") return value.split(",");
  if (typeof value === "number") return undefined;
  return value.filter((x): x is string => typeof x === "string");
}

/** What a predictor (VEP, SnpEff) says about the chosen transcript of this ALT. */
export interface Predicted {
  gene?: string;
  geneId?: string;
  consequence?: string;
  impact?: string;
  af?: number;
  hgvsC?: string;
  hgvsP?: string;
}
