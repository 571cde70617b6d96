/**
 * The filterable metadata of the search tier, one compact column per field, in the tier's
 * row order (slots): text fields as dictionary codes (0 = missing), pos and af as numbers.
 * Filters compile to tests on those columns with the same meaning as their SQL (filters.ts):
 * `!=` keeps missing values, every other operator drops them.
 * Internal: not exported from the package.
 */
import { checkFilter, parseFilter, type Filter, type FilterField } from "../filters.js";

/** Text fields kept as dictionary codes. */
export const DICT_FIELDS = ["chrom", "gene", "consequence", "clinical_significance", "review_status", "condition", "filter", "source"] as const;
/** Dictionary fields that also get a list of the slots holding each value (equality and `in` start from it). */
export const POSTED_FIELDS: ReadonlySet<string> = new Set(["chrom", "gene", "consequence", "clinical_significance"]);
/** Numeric fields kept as numbers. */
export const NUMBER_FIELDS = ["pos", "af"] as const;

type DictField = (typeof DICT_FIELDS)[number];
type NumberField = (typeof NUMBER_FIELDS)[number];
type Codes = Uint8Array | Uint16Array | Uint32Array;

/** Collects one dictionary column while rows arrive, then packs it in slot order. */
export class DictBuilder {
  readonly values: (string | null)[] = [null];
  readonly #index = new Map<string, number>();
  #codes: Uint32Array;
  #n = 0;
  constructor(capacity: number) {
    this.#codes = new Uint32Array(Math.max(16, capacity));
  }
  push(value: string | null): void {
    let code = 0;
    if (value !== null) {
      code = this.#index.get(value) ?? -1;
      if (code === -1) {
        code = this.values.length;
        this.values.push(value);
        this.#index.set(value, code);
      }
    }
    if (this.#n === this.#codes.length) {
      const grown = new Uint32Array(this.#codes.length * 2);
      grown.set(this.#codes);
      this.#codes = grown;
    }
    this.#codes[this.#n++] = code;
  }
  /** The code of row `row` (0 = missing), in arrival order. */
  codeOf(row: number): number {
    return this.#codes[row]!;
  }
  /** The codes in slot order: `slotRow[slot]` is the row that lands in that slot. */
  pack(slotRow: Int32Array, posted: boolean): DictColumn {
    const card = this.values.length;
    const codes: Codes = card <= 256 ? new Uint8Array(slotRow.length) : card <= 65_536 ? new Uint16Array(slotRow.length) : new Uint32Array(slotRow.length);
    for (let s = 0; s < slotRow.length; s++) codes[s] = this.#codes[slotRow[s]!]!;
    let postings: { start: Int32Array; slots: Int32Array } | null = null;
    if (posted) {
      const start = new Int32Array(card + 1);
      for (let s = 0; s < codes.length; s++) start[codes[s]! + 1]!++;
      for (let c = 0; c < card; c++) start[c + 1]! += start[c]!;
      const fill = start.slice(0, card);
      const slots = new Int32Array(codes.length);
      for (let s = 0; s < codes.length; s++) slots[fill[codes[s]!]!++] = s;
      postings = { start, slots };
    }
    return { values: this.values, codes, postings };
  }
}

/** One packed dictionary column. */
export interface DictColumn {
  readonly values: readonly (string | null)[];
  readonly codes: Codes;
  /** Slots of each code, ascending: `slots[start[c] .. start[c+1])`. */
  readonly postings: { readonly start: Int32Array; readonly slots: Int32Array } | null;
}

/** The packed columns of a tier. */
export interface Columns {
  readonly dict: ReadonlyMap<DictField, DictColumn>;
  readonly numbers: ReadonlyMap<NumberField, Float64Array | Uint32Array>;
}

/** Bytes the columns hold (codes, numbers, postings; the dictionaries' strings roughly). */
export function columnBytes(c: Columns): number {
  let b = 0;
  for (const col of c.dict.values()) {
    b += col.codes.byteLength + (col.postings === null ? 0 : col.postings.start.byteLength + col.postings.slots.byteLength);
    for (const v of col.values) b += v === null ? 8 : 16 + 2 * v.length;
  }
  for (const col of c.numbers.values()) b += col.byteLength;
  return b;
}

/** A compiled conjunction of filters over the columns. */
export interface Matcher {
  /** True when slot `s` passes every filter. */
  test(s: number): boolean;
  /**
   * The slots a scan may start from (ascending), when some equality or `in` filter on a
   * posted field narrows them: the union of that filter's value lists (the smallest such).
   */
  readonly start: Int32Array | null;
}

/** True when every filter names a field the tier holds (others are answered by the table). */
export function tierCanFilter(filters: readonly (Filter | string)[]): boolean {
  return filters.every((f) => {
    const field = (typeof f === "string" ? parseFilter(f) : f).field;
    return (DICT_FIELDS as readonly string[]).includes(field) || (NUMBER_FIELDS as readonly string[]).includes(field);
  });
}

/**
 * Compiles filters (all must hold) to a matcher. Call only when {@link tierCanFilter} is true.
 * @throws VcfAgentError "USAGE" for a malformed filter (as compileFilters does).
 */
export function compileMatcher(columns: Columns, filters: readonly (Filter | string)[]): Matcher {
  const tests: ((s: number) => boolean)[] = [];
  let start: Int32Array | null = null;
  for (const raw of filters) {
    const f = typeof raw === "string" ? parseFilter(raw) : checkFilter(raw);
    const dict = columns.dict.get(f.field as DictField);
    if (dict !== undefined) {
      const accept = acceptedCodes(dict.values, f);
      const codes = dict.codes;
      tests.push((s) => accept[codes[s]!] === 1);
      if (dict.postings !== null && (f.op === "=" || f.op === "in")) {
        const slots = unionOfPostings(dict.postings, accept);
        if (start === null || slots.length < start.length) start = slots;
      }
      continue;
    }
    const nums = columns.numbers.get(f.field as NumberField);
    if (nums === undefined) throw new Error(`internal: the search tier holds no column ${f.field}`);
    tests.push(numberTest(nums, f));
  }
  const n = tests.length;
  const test =
    n === 0 ? () => true : n === 1 ? tests[0]! : n === 2 ? (s: number) => tests[0]!(s) && tests[1]!(s) : (s: number) => tests.every((t) => t(s));
  return { test, start };
}

function acceptedCodes(values: readonly (string | null)[], f: Filter): Uint8Array {
  const accept = new Uint8Array(values.length);
  const one = (v: string | null): boolean => {
    switch (f.op) {
      case "=":
        return v !== null && v === String(f.value);
      case "!=":
        return v === null || v !== String(f.value);
      case "in":
        return v !== null && (f.value as readonly (string | number)[]).some((x) => String(x) === v);
      case "contains":
        return v !== null && v.includes(String(f.value));
      default:
        throw new Error(`internal: ${f.op} on text field ${f.field}`);
    }
  };
  values.forEach((v, c) => (accept[c] = one(v) ? 1 : 0));
  return accept;
}

function unionOfPostings(p: { start: Int32Array; slots: Int32Array }, accept: Uint8Array): Int32Array {
  const parts: Int32Array[] = [];
  let total = 0;
  for (let c = 0; c < accept.length; c++) {
    if (accept[c] !== 1) continue;
    const part = p.slots.subarray(p.start[c]!, p.start[c + 1]!);
    parts.push(part);
    total += part.length;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Int32Array(total);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out.sort();
}

function numberTest(col: Float64Array | Uint32Array, f: Filter): (s: number) => boolean {
  // Missing numbers are NaN (Float64Array); a Uint32 column (pos) has none.
  const v = f.value as number;
  switch (f.op) {
    case "=":
      return (s) => col[s] === v;
    case "!=":
      return (s) => col[s] !== v; // NaN !== v: a missing value is kept, as in SQL's IS NULL OR <>
    case "<":
      return (s) => col[s]! < v;
    case "<=":
      return (s) => col[s]! <= v;
    case ">":
      return (s) => col[s]! > v;
    case ">=":
      return (s) => col[s]! >= v;
    case "between": {
      const [lo, hi] = f.value as readonly number[];
      return (s) => col[s]! >= lo! && col[s]! <= hi!;
    }
    case "in": {
      const set = new Set(f.value as readonly number[]);
      return (s) => set.has(col[s]!);
    }
    default:
      throw new Error(`internal: ${f.op} on numeric field ${f.field}`);
  }
}
