/**
 * Data line → variants. The hot loop works on an already decoded string: `indexOf` for
 * newlines and the long columns, one `charCodeAt` pass over CHROM…ALT (POS parsed on the
 * way), substrings only for CHROM/REF/ALT, and one object per ALT allele. Everything else
 * stays as offsets until asked for.
 */
import { VcfFormatError } from "../errors.js";
import type { ReaderCounters } from "./stats.js";
import type { OrderTracker } from "./order.js";
import { VcfVariant, type RecordContext } from "./variant.js";
import { isReferenceBlockAllele } from "./kind.js";
import { abbreviate } from "./meta.js";

/** What to do with a data line that cannot be read: throw, or count it and go on. */
export type InvalidPolicy = "error" | "skip";

const MAX_POS = Number.MAX_SAFE_INTEGER;

/** Parses data lines for one reader; keeps the running line number. */
export class RecordParser {
  /** Lines consumed so far (1-based number of the last line). */
  lineNo = 0;
  /** Where errors point when line numbers are unknown (region reads), e.g. `file (region 1:5-9)`. */
  regionLabel: string | undefined;
  private lastChrom = "";

  constructor(
    private readonly ctx: RecordContext,
    private readonly stats: ReaderCounters,
    private readonly order: OrderTracker,
    private readonly policy: InvalidPolicy,
  ) {}

  /** Parses every line of `text` starting at offset `from`, pushing variants to `out`. */
  parsePiece(text: string, from: number, out: VcfVariant[]): void {
    const n = text.length;
    let s = from;
    while (s < n) {
      let e = text.indexOf("\n", s);
      if (e === -1) e = n;
      const lineNo = ++this.lineNo;
      const end = e > s && text.charCodeAt(e - 1) === 13 ? e - 1 : e;
      if (end > s) this.parseLine(text, s, end, lineNo, out);
      s = e + 1;
    }
  }

  /**
   * Parses the data line `text[s, end)` (no terminator). `lineNo` 0 means unknown
   * (region reads); errors then name {@link RecordParser.regionLabel} and the record.
   */
  parseLine(text: string, s: number, end: number, lineNo: number, out: VcfVariant[]): void {
    if (text.charCodeAt(s) === 35 /* # */) {
      this.ctx.warn("late-header", `${this.ctx.source}:${lineNo}: header line after #CHROM ignored: '${abbreviate(text.slice(s, end))}'`);
      return;
    }
    // Columns 1–5 are short: one charCodeAt pass finds their tabs, parses POS and flags
    // commas/blanks in REF and ALT, cheaper than a native indexOf call per column.
    let i = s;
    while (i < end && text.charCodeAt(i) !== 9) i++;
    if (i >= end) return this.bad(text, s, end, lineNo, columnsReason(1));
    const t1 = i;
    let pos = 0;
    let posOk = true;
    for (i = t1 + 1; i < end; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d === -39 /* tab */) break;
      if (d < 0 || d > 9) posOk = false;
      else pos = pos * 10 + d;
    }
    if (i >= end) return this.bad(text, s, end, lineNo, columnsReason(2));
    const t2 = i;
    const t3 = text.indexOf("\t", t2 + 1); // ID can be long (dbSNP lists)
    if (t3 === -1 || t3 >= end) return this.bad(text, s, end, lineNo, columnsReason(3));
    let refFlags = 0;
    for (i = t3 + 1; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 9) break;
      if (c === 44) refFlags |= 1;
      else if (c === 32) refFlags |= 2;
    }
    if (i >= end) return this.bad(text, s, end, lineNo, columnsReason(4));
    const t4 = i;
    let commas = 0;
    let altBlank = false;
    for (i = t4 + 1; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 9) break;
      if (c === 44) commas++;
      else if (c === 32) altBlank = true;
    }
    if (i >= end) return this.bad(text, s, end, lineNo, columnsReason(5));
    const t5 = i;
    const t6 = text.indexOf("\t", t5 + 1);
    if (t6 === -1 || t6 >= end) return this.bad(text, s, end, lineNo, columnsReason(6));
    const t7 = text.indexOf("\t", t6 + 1);
    if (t7 === -1 || t7 >= end) return this.bad(text, s, end, lineNo, columnsReason(7));
    let t8 = text.indexOf("\t", t7 + 1);
    if (t8 === -1 || t8 > end) t8 = end;

    if (t1 === s) return this.bad(text, s, end, lineNo, "CHROM is empty");
    let chrom = this.lastChrom;
    // Consecutive records share a chromosome: reuse the string instead of allocating one.
    if (t1 - s !== chrom.length || !text.startsWith(chrom, s)) {
      chrom = text.slice(s, t1);
      this.lastChrom = chrom;
    }

    if (t2 === t1 + 1) return this.bad(text, s, end, lineNo, "POS is empty");
    if (!posOk) return this.bad(text, s, end, lineNo, `POS '${abbreviate(text.slice(t1 + 1, t2))}' is not a non-negative integer`);
    // POS 0 marks a telomere (VCF 4.3 §1.6.1, breakends); hts-specs' passed files use it.
    if (pos === 0) this.ctx.warn("pos-zero", `${this.ctx.source}:${lineNo}: POS 0 (telomere position) accepted`);
    if (pos > MAX_POS) return this.bad(text, s, end, lineNo, `POS ${text.slice(t1 + 1, t2)} is larger than ${MAX_POS}`);

    const ref = text.slice(t3 + 1, t4);
    if (t4 === t3 + 1) return this.bad(text, s, end, lineNo, "REF '' is empty");
    if (refFlags !== 0 || ref === ".") {
      const why = refFlags & 2 ? "contains whitespace" : refFlags & 1 ? "has more than one allele" : "is missing";
      return this.bad(text, s, end, lineNo, `REF '${abbreviate(ref)}' ${why}`);
    }

    const alt = text.slice(t4 + 1, t5);
    const stats = this.stats;
    if (commas === 0) {
      if (alt.length === 0 || altBlank) return this.bad(text, s, end, lineNo, `ALT '${abbreviate(alt)}' ${alleleProblem(alt) ?? "is invalid"}`);
      stats.records++;
      if (alt === "." || isReferenceBlockAllele(alt)) {
        stats.skippedReferenceOnly++;
        return;
      }
      this.order.see(chrom, pos, ref, alt, lineNo);
      out.push(new VcfVariant(this.ctx, text, t2, t5, t7, t8, chrom, pos, ref, alt, 0, 1, lineNo));
      stats.variants++;
      return;
    }
    const alleles = alt.split(",");
    for (const a of alleles) {
      const problem = alleleProblem(a);
      if (problem !== undefined) return this.bad(text, s, end, lineNo, `ALT '${abbreviate(alt)}' has an allele that ${problem}`);
    }
    stats.records++;
    const altCount = alleles.length;
    for (let k = 0; k < altCount; k++) {
      const a = alleles[k] as string;
      if (a === "." || isReferenceBlockAllele(a)) {
        stats.skippedReferenceOnly++;
        continue;
      }
      this.order.see(chrom, pos, ref, a, lineNo);
      out.push(new VcfVariant(this.ctx, text, t2, t5, t7, t8, chrom, pos, ref, a, k, altCount, lineNo));
      stats.variants++;
    }
  }

  private bad(text: string, s: number, end: number, lineNo: number, reason: string): void {
    let err: VcfFormatError;
    if (lineNo > 0) {
      err = new VcfFormatError(this.ctx.source, lineNo, reason);
    } else {
      err = new VcfFormatError(this.regionLabel ?? this.ctx.source, undefined, `${reason} in record '${abbreviate(text.slice(s, end))}'`);
    }
    if (this.policy === "error") throw err;
    this.stats.invalid(err.message);
  }
}

function columnsReason(found: number): string {
  return `expected at least 8 tab-separated columns (CHROM POS ID REF ALT QUAL FILTER INFO), found ${found}`;
}

/** Why an allele cannot identify a variant, or undefined when it can. */
function alleleProblem(a: string): string | undefined {
  if (a.length === 0) return "is empty";
  if (a.length === 1) return a === " " ? "is whitespace" : undefined;
  return a.indexOf(" ") !== -1 ? "contains whitespace" : undefined;
}
