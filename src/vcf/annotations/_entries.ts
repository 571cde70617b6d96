/**
 * CSQ/ANN/EFF entries without allocation: field bounds of the entry being read, and an
 * index of a value's entries by Allele and ALLELE_NUM so each ALT finds its own.
 */
import type { Variant } from "../types.js";

// Field boundaries of the entry being read; reused so parsing allocates no arrays.
export const starts = new Int32Array(512);
export const ends = new Int32Array(512);

/** Records the bounds of `entry`'s `sep`-separated fields 0..max in starts/ends; returns how many exist. */
export function splitFields(entry: string, sep: string, max: number, from = 0, stop = entry.length): number {
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

export function fieldIs(entry: string, n: number, i: number, text: string): boolean {
  if (i < 0 || i >= n) return false;
  const s = starts[i]!;
  return ends[i]! - s === text.length && entry.startsWith(text, s);
}

export function field(entry: string, n: number, i: number): string | undefined {
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
export class EntryIndex {
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
export function entriesFor(index: EntryIndex, v: Variant): readonly number[] | undefined {
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
