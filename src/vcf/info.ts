/**
 * INFO column access without building a map: a key is found with `indexOf` on the line
 * text, then typed by its header definition and sliced to one ALT allele.
 */
import type { FieldDefinition, InfoScalar, InfoValue } from "./types.js";
import type { WarnFn } from "./header.js";
import { decodePercent } from "./percent.js";
import { abbreviate } from "./meta.js";

/**
 * Raw value of `key` in the INFO text `text[from, to)`: the text after `=`, `true` for a
 * bare key, `undefined` when absent. The first occurrence wins.
 */
export function findInfo(text: string, from: number, to: number, key: string): string | true | undefined {
  const klen = key.length;
  if (klen === 0) return undefined;
  let i = text.indexOf(key, from);
  while (i !== -1 && i + klen <= to) {
    const after = i + klen;
    const next = after === to ? 59 : text.charCodeAt(after);
    if ((i === from || text.charCodeAt(i - 1) === 59) && (next === 61 || next === 59)) {
      if (next !== 61) return true;
      const semi = text.indexOf(";", after + 1);
      return text.slice(after + 1, semi === -1 || semi > to ? to : semi);
    }
    i = text.indexOf(key, i + 1);
  }
  return undefined;
}

/** Keys listed before duplicates are looked up in a set instead of the array (100,000 keys by array scan took 55 s). */
const FEW_KEYS = 16;

/** Keys of the INFO text `text[from, to)` in file order, each once (`.` → none). */
export function listInfoKeys(text: string, from: number, to: number, onDuplicate: (key: string) => void): string[] {
  const keys: string[] = [];
  if (to - from === 1 && text.charCodeAt(from) === 46) return keys;
  let seen: Set<string> | null = null;
  let s = from;
  while (s < to) {
    let e = text.indexOf(";", s);
    if (e === -1 || e > to) e = to;
    if (e > s) {
      const eq = text.indexOf("=", s);
      const key = text.slice(s, eq === -1 || eq > e ? e : eq);
      if (seen === null ? keys.includes(key) : seen.has(key)) onDuplicate(key);
      else {
        keys.push(key);
        if (seen !== null) seen.add(key);
        else if (keys.length === FEW_KEYS) seen = new Set(keys);
      }
    }
    s = e + 1;
  }
  return keys;
}

/**
 * An INFO value as the text the file held (lists re-joined with `,`); undefined for absent,
 * flags, and values with nothing in them (`.`, empty, or a list of those: `CLNSIG=` declared
 * Number=. gave `""` and made an unannotated variant look like a ClinVar one).
 */
export function infoValueText(value: InfoValue | undefined): string | undefined {
  if (value === undefined || value === null || typeof value === "boolean") return undefined;
  if (typeof value === "string") return value === "" || value === "." ? undefined : value;
  if (typeof value === "number") return String(value);
  if (value.every((x) => x === null || x === "" || x === ".")) return undefined;
  return value.map((x) => (x === null ? "." : String(x))).join(",");
}

/**
 * `infoValueText` of the typed value of the raw INFO text `raw`, without typing it, when
 * typing cannot change it: a declared String of Number=. or Number=1 (then without a comma),
 * with no `%` escape. Null when it could: the caller types the value. The split, typed and
 * re-joined list was most of annotate's INFO cost (docs/performance.md).
 */
export function untypedInfoText(def: FieldDefinition | undefined, raw: string | true): string | undefined | null {
  if (raw === true || def === undefined || def.type !== "String" || raw.indexOf("%") !== -1) return null;
  if (def.number === ".") return allMissing(raw) ? undefined : raw;
  if (def.number === "1" && raw.indexOf(",") === -1) return raw === "" || raw === "." ? undefined : raw;
  return null;
}

/** Whether every comma-separated entry of `raw` is empty or `.`. */
function allMissing(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 44 && c !== 46) return false;
  }
  for (const entry of raw.split(",")) if (entry !== "" && entry !== ".") return false;
  return true;
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;
/** Marks a value that does not fit its declared Type. */
const MISMATCH = Symbol("mismatch");

/**
 * An INFO list typed but not yet sliced to one ALT (what {@link InfoTyper.typed} returns
 * for values that depend on the allele, or that must be copied for each caller).
 */
export class AlleleValues {
  constructor(
    readonly def: FieldDefinition,
    readonly values: InfoScalar[],
  ) {}
}

/** Types INFO values by the header and slices Number=A/R/G values to one ALT. */
export class InfoTyper {
  constructor(
    private readonly defs: ReadonlyMap<string, FieldDefinition>,
    private readonly source: string,
    private readonly warn: WarnFn,
  ) {}

  /**
   * Typed value of `key` for ALT `altIndex` of `altCount`:
   * Flag → `true`; Number=1 and Number=A → a scalar (A is sliced to this ALT);
   * Number=R → `[REF value, this ALT's value]`; Number=G → the diploid genotypes
   * `[0/0, 0/a, a/a]` (or `[0, a]` when the count says haploid); other Numbers → an array.
   * A count that does not fit keeps the whole list, and a value that does not fit the
   * Type is returned as the raw string; both warn once per key. Undeclared keys are
   * String (Flag when bare), with a warning.
   */
  value(key: string, raw: string | true, altIndex: number, altCount: number): InfoValue {
    const def = this.defs.get(key);
    if (def === undefined) {
      this.warn(`info-undeclared:${key}`, `${this.source}: INFO key '${abbreviate(key)}' is not declared in the header; read as ${raw === true ? "Flag" : "String"}`);
      return raw === true ? true : decodePercent(raw);
    }
    if (def.type === "Flag" || def.number === "0") {
      if (raw !== true) this.warn(`info-flag-value:${key}`, `${this.source}: INFO Flag ${key} has a value ('${abbreviate(raw)}'); read as present`);
      return true;
    }
    if (raw === true) {
      this.warn(`info-no-value:${key}`, `${this.source}: INFO ${key} (Type=${def.type}) has no value; read as missing`);
      return null;
    }
    if (raw.indexOf(",") === -1) {
      const v = convert(raw, def.type);
      if (v === MISMATCH) return this.mismatch(def, raw);
      if (def.number === "1" || (def.number === "A" && altCount === 1)) return v;
      return this.slice(def, [v], altIndex, altCount);
    }
    const values = convertList(raw, def.type);
    return values === MISMATCH ? this.mismatch(def, raw) : this.slice(def, values, altIndex, altCount);
  }

  /**
   * The part of {@link InfoTyper.value} that is the same for every ALT of a record: the
   * final value, or the typed list that {@link InfoTyper.forAllele} slices. A record with
   * many ALTs types its lists once instead of once per ALT. (value() keeps its own copy of
   * the first checks: calling {@link InfoTyper.special} for them cost the every-field path
   * ~8% of CPU in bench/parse-micro.mjs, 227 → 247 ms median.)
   */
  typed(key: string, raw: string | true, altCount: number): InfoValue | AlleleValues {
    const def = this.defs.get(key);
    if (def === undefined || def.type === "Flag" || def.number === "0" || raw === true) return this.special(key, raw, def);
    if (raw.indexOf(",") === -1) {
      const v = convert(raw, def.type);
      if (v === MISMATCH) return this.mismatch(def, raw);
      if (def.number === "1" || (def.number === "A" && altCount === 1)) return v;
      return new AlleleValues(def, [v]);
    }
    const values = convertList(raw, def.type);
    return values === MISMATCH ? this.mismatch(def, raw) : new AlleleValues(def, values);
  }

  /** For {@link InfoTyper.value} and {@link InfoTyper.typed}: undeclared keys (String, or Flag when bare), Flags, and declared keys without a value. */
  private special(key: string, raw: string | true, def: FieldDefinition | undefined): InfoValue {
    if (def === undefined) {
      this.warn(`info-undeclared:${key}`, `${this.source}: INFO key '${abbreviate(key)}' is not declared in the header; read as ${raw === true ? "Flag" : "String"}`);
      return raw === true ? true : decodePercent(raw);
    }
    if (def.type === "Flag" || def.number === "0") {
      if (raw !== true) this.warn(`info-flag-value:${key}`, `${this.source}: INFO Flag ${key} has a value ('${abbreviate(raw)}'); read as present`);
      return true;
    }
    this.warn(`info-no-value:${key}`, `${this.source}: INFO ${key} (Type=${def.type}) has no value; read as missing`);
    return null;
  }

  /**
   * The value of one ALT from a {@link InfoTyper.typed} result shared by the ALTs of a
   * record; lists that are not sliced are copied, so no two variants share an array.
   */
  forAllele(t: InfoValue | AlleleValues, altIndex: number, altCount: number): InfoValue {
    if (!(t instanceof AlleleValues)) return Array.isArray(t) ? t.slice() : t;
    const v = this.slice(t.def, t.values, altIndex, altCount);
    return v === t.values ? v.slice() : v;
  }

  private slice(def: FieldDefinition, values: InfoScalar[], altIndex: number, altCount: number): InfoValue {
    const n = values.length;
    switch (def.number) {
      case "A":
        if (n === altCount) return values[altIndex] as InfoScalar;
        break;
      case "R":
        if (n === altCount + 1) return [values[0] as InfoScalar, values[altIndex + 1] as InfoScalar];
        break;
      case "G": {
        const alleles = altCount + 1;
        const a = altIndex + 1;
        if (n === (alleles * (alleles + 1)) / 2) {
          // Diploid genotype order (VCF §1.6.2): index of j/k (j ≤ k) is k(k+1)/2 + j.
          const het = (a * (a + 1)) / 2;
          return [values[0] as InfoScalar, values[het] as InfoScalar, values[het + a] as InfoScalar];
        }
        if (n === alleles) return [values[0] as InfoScalar, values[a] as InfoScalar];
        break;
      }
      case ".":
        return values;
      default:
        if (Number(def.number) === n) return values;
    }
    this.warn(`info-count:${def.id}`, `${this.source}: INFO ${def.id} (Number=${def.number}) has ${n} value(s) for ${altCount} ALT allele(s); kept whole`);
    return values;
  }

  private mismatch(def: FieldDefinition, raw: string): string {
    this.warn(`info-type:${def.id}`, `${this.source}: INFO ${def.id} value '${abbreviate(raw)}' is not ${def.type}; kept as text`);
    return raw;
  }
}

/** The comma-separated values of `raw`, each converted to `type`; MISMATCH when one does not fit. */
function convertList(raw: string, type: FieldDefinition["type"]): InfoScalar[] | typeof MISMATCH {
  const parts = raw.split(",");
  const values: InfoScalar[] = new Array<InfoScalar>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const v = convert(parts[i] as string, type);
    if (v === MISMATCH) return MISMATCH;
    values[i] = v;
  }
  return values;
}

function isDigitOrPoint(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46;
}

function convert(s: string, type: FieldDefinition["type"]): InfoScalar | typeof MISMATCH {
  if (s === ".") return null;
  switch (type) {
    case "Integer":
      return INT_RE.test(s) ? Number(s) : MISMATCH;
    case "Float":
      if (!FLOAT_RE.test(s)) return MISMATCH;
      // Past FLOAT_RE, only nan and inf(inity) end in a letter; testing the last character
      // first saved two regular expressions per value (allele frequencies on every variant).
      if (isDigitOrPoint(s.charCodeAt(s.length - 1))) return Number(s);
      return /^[+-]?nan$/i.test(s) ? Number.NaN : s.startsWith("-") ? -Infinity : Infinity;
    default:
      return decodePercent(s);
  }
}
