/**
 * Structured filters over variant metadata and their compilation to LanceDB SQL.
 * Users never write SQL: field names come from a whitelist, strings are quoted with
 * single quotes doubled, numbers are checked to be finite before they are printed.
 */
import { VcfAgentError } from "../errors.js";

/** Fields a filter may name (the table's metadata columns users search by). */
export const FILTER_FIELDS = [
  "chrom",
  "pos",
  "gene",
  "consequence",
  "clinical_significance",
  "review_status",
  "condition",
  "af",
  "filter",
  "id",
  "variant_id",
  "ref",
  "alt",
  "qual",
  "source",
] as const;

/** One filterable field. */
export type FilterField = (typeof FILTER_FIELDS)[number];

/** Fields holding numbers; the rest hold text. */
const NUMERIC_FIELDS: ReadonlySet<FilterField> = new Set(["pos", "af", "qual"]);
/** Numeric fields whose values are integers. */
const INTEGER_FIELDS: ReadonlySet<FilterField> = new Set(["pos"]);

/**
 * Comparison operators. `between` is inclusive at both ends (`pos=100..200`);
 * `contains` is a case-sensitive substring test on text fields; `in` matches any listed value.
 */
export type FilterOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "contains" | "between";

/** A filter value: one literal, a list (for `in`) or a `[low, high]` pair (for `between`). */
export type FilterValue = string | number | readonly (string | number)[];

/**
 * One structured condition on a field.
 * @example { field: "gene", op: "=", value: "BRCA1" }
 * @example { field: "pos", op: "between", value: [43044295, 43125483] }
 */
export interface Filter {
  readonly field: FilterField;
  readonly op: FilterOp;
  readonly value: FilterValue;
}

const ORDER_OPS: ReadonlySet<FilterOp> = new Set(["<", "<=", ">", ">=", "between"]);

/** True when `name` is a filterable field. */
export function isFilterField(name: string): name is FilterField {
  return (FILTER_FIELDS as readonly string[]).includes(name);
}

/**
 * Parses the command-line form of a filter: `field OP value` with OP one of
 * `=`, `!=`, `<`, `<=`, `>`, `>=`, `~` (contains) or ` in ` (comma-separated list; an item in
 * double quotes may hold commas, `""` inside quotes is one quote). For pos, af and qual,
 * `field=low..high` is an inclusive range. Whitespace around the field, operator and
 * value is ignored; everything else in the value is taken literally.
 * @throws VcfAgentError code "USAGE" for an unknown field, a missing operator or a bad value.
 * @example parseFilter("gene=BRCA1")                 // { field: "gene", op: "=", value: "BRCA1" }
 * @example parseFilter("pos=43044295..43125483")    // { field: "pos", op: "between", value: [43044295, 43125483] }
 * @example parseFilter("clinical_significance in Pathogenic,Likely_pathogenic")
 */
export function parseFilter(text: string): Filter {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!=|>=|<=|=|<|>|~|\s(?:in|IN)\s)(.*)$/s.exec(text);
  if (m === null) {
    throw new VcfAgentError(
      `filter ${JSON.stringify(text)}: expected FIELD OP VALUE with OP one of = != < <= > >= ~ in (e.g. gene=BRCA1, af<0.01, pos=43044295..43125483)`,
      "USAGE",
    );
  }
  const name = (m[1] as string).toLowerCase();
  const opText = (m[2] as string).trim().toLowerCase();
  const raw = (m[3] as string).trim();
  if (!isFilterField(name)) throw unknownField(name, text);
  const field = name;
  if (opText === "in") return checkFilter({ field, op: "in", value: splitList(raw, text) }, text);
  if (opText === "~") return checkFilter({ field, op: "contains", value: raw }, text);
  if (opText === "=" && NUMERIC_FIELDS.has(field)) {
    const range = /^(.*?)\.\.(.*)$/s.exec(raw);
    if (range !== null) {
      return checkFilter({ field, op: "between", value: [(range[1] as string).trim(), (range[2] as string).trim()] }, text);
    }
  }
  return checkFilter({ field, op: opText as FilterOp, value: raw }, text);
}

/**
 * Checks a structured filter and returns it with numeric values converted to numbers.
 * @throws VcfAgentError code "USAGE" saying which field, operator or value is wrong.
 */
export function checkFilter(filter: Filter, context: string = describeFilter(filter)): Filter {
  const { field, op, value } = filter;
  if (!isFilterField(field)) throw unknownField(String(field), context);
  const numeric = NUMERIC_FIELDS.has(field);
  const at = `filter ${JSON.stringify(context)}`;
  switch (op) {
    case "=":
    case "!=":
    case "<":
    case "<=":
    case ">":
    case ">=": {
      if (ORDER_OPS.has(op) && !numeric) throw usage(`${at}: ${op} applies to the numeric fields pos, af and qual, not ${field}`);
      if (typeof value !== "string" && typeof value !== "number") throw usage(`${at}: ${op} takes one value`);
      return { field, op, value: numeric ? toNumber(value, field, at) : toText(value, field, at) };
    }
    case "contains": {
      if (numeric) throw usage(`${at}: contains (~) applies to text fields, not ${field}`);
      if (typeof value !== "string") throw usage(`${at}: contains takes one text value`);
      return { field, op, value: toText(value, field, at) };
    }
    case "in": {
      const items = typeof value === "string" || typeof value === "number" ? [value] : value;
      if (items.length === 0) throw usage(`${at}: in needs at least one value`);
      return { field, op, value: items.map((v) => (numeric ? toNumber(v, field, at) : toText(v, field, at))) };
    }
    case "between": {
      if (!numeric) throw usage(`${at}: a range applies to the numeric fields pos, af and qual, not ${field}`);
      if (typeof value === "string" || typeof value === "number" || value.length !== 2) {
        throw usage(`${at}: a range needs two values, low..high`);
      }
      const lo = toNumber(value[0] as string | number, field, at);
      const hi = toNumber(value[1] as string | number, field, at);
      if (lo > hi) throw usage(`${at}: range low ${lo} is above high ${hi}`);
      return { field, op, value: [lo, hi] };
    }
    default:
      throw usage(`${at}: unknown operator ${JSON.stringify(op)}; use one of = != < <= > >= in contains between`);
  }
}

/**
 * Compiles filters (all must hold) to one LanceDB SQL predicate, or undefined for none.
 * Strings given here are parsed with {@link parseFilter}.
 * `!=` keeps rows whose field is missing ("not BRCA1" includes variants with no gene).
 * @example compileFilters(["gene=BRCA1", "af<0.01"]) // "(gene = 'BRCA1') AND (af < 0.01)"
 */
export function compileFilters(filters: readonly (Filter | string)[] | undefined): string | undefined {
  if (filters === undefined || filters.length === 0) return undefined;
  return filters.map((f) => `(${compileOne(typeof f === "string" ? parseFilter(f) : checkFilter(f))})`).join(" AND ");
}

/** SQL for one checked filter; identifiers are whitelisted names, literals are escaped. */
function compileOne(f: Filter): string {
  const col = f.field; // from FILTER_FIELDS only: safe as a bare identifier
  switch (f.op) {
    case "=":
      return `${col} = ${literal(f.value as string | number)}`;
    case "!=":
      return `${col} IS NULL OR ${col} <> ${literal(f.value as string | number)}`;
    case "<":
    case "<=":
    case ">":
    case ">=":
      return `${col} ${f.op} ${literal(f.value as number)}`;
    case "contains":
      return `strpos(${col}, ${literal(f.value as string)}) > 0`;
    case "in":
      return `${col} IN (${(f.value as readonly (string | number)[]).map(literal).join(", ")})`;
    case "between": {
      const [lo, hi] = f.value as readonly number[];
      return `${col} >= ${literal(lo as number)} AND ${col} <= ${literal(hi as number)}`;
    }
  }
}

/** A SQL literal: text single-quoted with quotes doubled (backslash is not an escape in LanceDB SQL); numbers finite only. */
export function sqlLiteral(value: string | number): string {
  return literal(value);
}

function literal(value: string | number): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw usage(`not a finite number: ${value}`);
    return String(value);
  }
  const lone = LONE_SURROGATE.exec(value);
  if (lone !== null) throw usage(`text ${JSON.stringify(value)}: unpaired UTF-16 surrogate at index ${lone.index}; text must be valid Unicode`);
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * An unpaired UTF-16 surrogate (JSON may carry one as `"\ud800"`). LanceDB receives
 * strings as UTF-8, where it becomes U+FFFD, so the query would match text the user did
 * not ask for: such values are refused instead.
 */
const LONE_SURROGATE = /\p{Cs}/u;

function toText(value: string | number, field: FilterField, at: string): string {
  const text = String(value);
  const lone = LONE_SURROGATE.exec(text);
  if (lone !== null) throw usage(`${at}: ${field} value has an unpaired UTF-16 surrogate at index ${lone.index}; values must be valid Unicode`);
  return text;
}

function toNumber(value: string | number, field: FilterField, at: string): number {
  const n = typeof value === "number" ? value : value.trim() === "" ? Number.NaN : Number(value);
  const integer = INTEGER_FIELDS.has(field);
  if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
    throw usage(`${at}: ${field} expects ${integer ? "an integer" : "a number"}, got ${JSON.stringify(String(value))}`);
  }
  return n;
}

/** Splits `a,b,"c, d"` into items; `""` inside quotes is a literal quote. */
function splitList(raw: string, context: string): string[] {
  const items: string[] = [];
  let i = 0;
  while (i <= raw.length) {
    while (raw[i] === " " || raw[i] === "\t") i++;
    if (raw[i] === '"') {
      let item = "";
      i++;
      for (;;) {
        if (i >= raw.length) throw usage(`filter ${JSON.stringify(context)}: unterminated quote in list`);
        if (raw[i] === '"') {
          if (raw[i + 1] === '"') {
            item += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        item += raw[i];
        i++;
      }
      while (raw[i] === " " || raw[i] === "\t") i++;
      if (i < raw.length && raw[i] !== ",") throw usage(`filter ${JSON.stringify(context)}: expected , after a quoted item`);
      items.push(item);
    } else {
      const end = raw.indexOf(",", i);
      const stop = end === -1 ? raw.length : end;
      items.push(raw.slice(i, stop).trim());
      i = stop;
    }
    i++; // past the comma (or past the end)
  }
  return items;
}

function describeFilter(f: Filter): string {
  return `${String(f.field)} ${String(f.op)} ${JSON.stringify(f.value)}`;
}

function unknownField(name: string, context: string): VcfAgentError {
  return usage(`filter ${JSON.stringify(context)}: unknown field ${JSON.stringify(name)}; valid fields: ${FILTER_FIELDS.join(", ")}`);
}

function usage(message: string): VcfAgentError {
  return new VcfAgentError(message, "USAGE");
}
