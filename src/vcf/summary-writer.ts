/**
 * describe's output as bytes: JSON lines and TSV rows of {@link VariantSummary} written
 * straight into a Buffer, the same bytes as `summaryJson` / `summaryTsv` + UTF-8.
 *
 * Why: building each line as a string (a rope of ~40 pieces), scanning it for characters
 * JSON must escape, then flattening and encoding 1,024 of them per write cost ~2.5 s of
 * CPU on 200k variants, more than the reading and annotating together (docs/performance.md).
 * Here each character is read and stored once; a string with anything but printable ASCII
 * takes the string path (JSON.stringify / replace, then UTF-8), so the output never differs.
 */
import { describeSummary, displayChromosome, SUMMARY_COLUMNS, tsvSpaces, type VariantSummary } from "./describe.js";

const INITIAL_BYTES = 1 << 20;

/** Appends describe lines to a growing Buffer; {@link SummaryWriter.take} hands the bytes out. */
export class SummaryWriter {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private pos = 0;

  /** Bytes written since the last take. */
  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a fresh Buffer each time, safe to hand to an async write). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(Math.max(INITIAL_BYTES, this.buf.length));
    this.pos = 0;
    return out;
  }

  /**
   * `summaryJson(s) + "\n"`. With `describe`, the description is not `s.description` but the
   * one of `s`'s fields ({@link describeSummary}), written here part by part.
   */
  json(s: VariantSummary, describe = false): void {
    this.ascii('{"variantId":');
    this.jsonString(s.variantId);
    this.ascii(',"chrom":');
    this.jsonString(s.chrom);
    this.ascii(',"pos":');
    this.jsonNumber(s.pos);
    this.ascii(',"id":');
    this.jsonString(s.id);
    this.ascii(',"ref":');
    this.jsonString(s.ref);
    this.ascii(',"alt":');
    this.jsonString(s.alt);
    this.ascii(',"kind":');
    this.jsonString(s.kind);
    this.ascii(',"qual":');
    this.jsonNumber(s.qual);
    this.ascii(',"filter":');
    this.jsonString(s.filter);
    this.ascii(',"gene":');
    this.jsonText(s.gene);
    this.ascii(',"consequence":');
    this.jsonText(s.consequence);
    this.ascii(',"clinicalSignificance":');
    this.jsonText(s.clinicalSignificance);
    this.ascii(',"reviewStatus":');
    this.jsonText(s.reviewStatus);
    this.ascii(',"condition":');
    this.jsonText(s.condition);
    this.ascii(',"af":');
    this.jsonNumber(s.af);
    this.ascii(',"description":');
    if (describe) this.jsonDescription(s);
    else this.jsonString(s.description);
    this.ascii(',"line":');
    this.jsonNumber(s.line);
    this.ascii(',"source":');
    this.jsonString(s.source);
    this.ascii("}\n");
  }

  /** `summaryTsv(s) + "\n"`; `describe` as in {@link SummaryWriter.json}. */
  tsv(s: VariantSummary, describe = false): void {
    for (let i = 0; i < SUMMARY_COLUMNS.length; i++) {
      if (i > 0) this.byte(9);
      const column = SUMMARY_COLUMNS[i]!;
      if (describe && column === "description") {
        if (!this.description(s, TSV_PLAIN)) this.utf8(tsvSpaces(describeSummary(s)));
        continue;
      }
      const v = s[column];
      if (v === null) this.byte(46);
      else if (typeof v === "number") {
        if (Number.isFinite(v)) this.number(v);
        else this.byte(46);
      } else if (v === "") this.byte(46);
      else if (!this.plain(v, TSV_PLAIN)) this.utf8(tsvSpaces(v));
    }
    this.byte(10);
  }

  /** Any text, as UTF-8 (the table format's lines). */
  text(s: string): void {
    this.utf8(s);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  private byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  /** A string known to be ASCII (keys, punctuation, numbers). */
  private ascii(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  private utf8(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /**
   * Copies `s` (underscores as spaces if asked) when every character is one `table` lets
   * through as itself; otherwise writes nothing and returns false.
   */
  private plain(s: string, table: Uint8Array, underscoreAsSpace = false): boolean {
    const n = s.length;
    this.room(n);
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7e || table[c] === 0) return false;
      buf[p + i] = underscoreAsSpace && c === 0x5f ? 0x20 : c;
    }
    this.pos = p + n;
    return true;
  }

  private jsonString(s: string): void {
    this.byte(0x22);
    if (!this.closeQuote(this.plain(s, JSON_PLAIN))) this.utf8(JSON.stringify(s));
  }

  /** The description of `s`'s fields as a JSON string. */
  private jsonDescription(s: VariantSummary): void {
    this.byte(0x22);
    if (!this.closeQuote(this.description(s, JSON_PLAIN))) this.utf8(JSON.stringify(describeSummary(s)));
  }

  /**
   * After an opening quote and an attempt to copy a string's text plain: closes the string when
   * the copy was made; otherwise takes the quote back and returns false, for the caller to
   * write the string's JSON.stringify form instead.
   */
  private closeQuote(copied: boolean): boolean {
    if (copied) this.byte(0x22);
    else this.pos--;
    return copied;
  }

  /**
   * describeSummary(s), part by part, when every part is `table`-plain; otherwise nothing
   * is kept and false is returned. Keep in step with `sentence` in describe.ts (the tests
   * compare the two on every variant of the real files).
   */
  private description(s: VariantSummary, table: Uint8Array): boolean {
    const start = this.pos;
    this.ascii("Variant at chromosome ");
    let ok = this.plain(displayChromosome(s.chrom), table);
    this.ascii(" position ");
    this.number(s.pos);
    this.ascii(" reference allele ");
    ok = ok && this.plain(s.ref, table);
    this.ascii(" to alternate allele ");
    ok = ok && this.plain(s.alt, table);
    if (ok && s.gene) {
      this.ascii(" in gene ");
      ok = this.plain(s.gene, table);
    }
    if (ok && s.consequence) {
      this.ascii(" with consequence ");
      ok = this.plain(s.consequence, table);
    }
    if (ok && s.clinicalSignificance) {
      this.ascii(" clinical significance ");
      ok = this.plain(s.clinicalSignificance, table, true);
    }
    if (ok && s.condition) {
      this.ascii(" condition ");
      ok = this.plain(s.condition, table);
    }
    if (!ok) this.pos = start;
    return ok;
  }

  private jsonText(s: string | null): void {
    if (s === null) this.ascii("null");
    else this.jsonString(s);
  }

  private jsonNumber(n: number | null): void {
    if (n === null || !Number.isFinite(n)) this.ascii("null");
    else this.number(n);
  }

  /**
   * `String(x)` of a finite number. Integers below 10^15 and numbers with at most six
   * decimals (QUAL, allele frequencies) are written digit by digit: if m = round(x·10^6)
   * has |m| < 10^15 and m / 10^6 === x, then x is the double nearest to the decimal m·10^-6
   * (one correctly rounded division of exact operands), a decimal of at most 15 significant
   * digits, and ECMAScript's shortest round-trip form of x is that decimal, in plain notation
   * since 10^-6 ≤ |x| < 10^21. Anything else goes through String.
   */
  number(x: number): void {
    if (Number.isInteger(x) && x < 1e15 && x > -1e15) {
      this.room(17);
      this.integer(x === 0 ? 0 : x, 0);
      return;
    }
    const m = Math.round(x * 1e6);
    if (m / 1e6 === x && m < 1e15 && m > -1e15) {
      this.room(24);
      this.integer(m, 6);
      return;
    }
    this.ascii(String(x));
  }

  /** The integer `m` (|m| < 10^15, not -0) with a decimal point `decimals` digits from its end and trailing zeros after it dropped. */
  private integer(m: number, decimals: number): void {
    const buf = this.buf;
    let p = this.pos;
    if (m < 0) {
      buf[p++] = 45; /* - */
      m = -m;
    }
    // Digits from the end, in int32 arithmetic (the low 8 digits apart when m is larger).
    let n = 0;
    if (m >= 2147483648) {
      let lo = m % 1e8 | 0;
      m = (m - lo) / 1e8;
      for (let d = 0; d < 8; d++) {
        const q = (lo / 10) | 0;
        DIGITS[n++] = 48 + lo - q * 10;
        lo = q;
      }
    }
    let v = m | 0;
    do {
      const q = (v / 10) | 0;
      DIGITS[n++] = 48 + v - q * 10;
      v = q;
    } while (v > 0);
    while (n <= decimals) DIGITS[n++] = 48;
    for (let i = n - 1; i >= decimals; i--) buf[p++] = DIGITS[i]!;
    let low = 0;
    while (low < decimals && DIGITS[low] === 48) low++;
    if (low < decimals) {
      buf[p++] = 46; /* . */
      for (let i = decimals - 1; i >= low; i--) buf[p++] = DIGITS[i]!;
    }
    this.pos = p;
  }
}

const DIGITS = new Uint8Array(32);

/** Printable ASCII that JSON writes as itself: not `"` or `\`. */
const JSON_PLAIN = new Uint8Array(0x7f);
/** Printable ASCII (and none of tab, CR, LF, which TSV replaces). */
const TSV_PLAIN = new Uint8Array(0x7f);
for (let c = 0x20; c < 0x7f; c++) {
  JSON_PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : 1;
  TSV_PLAIN[c] = 1;
}
