/**
 * The {@link Variant} implementation. It keeps the decoded text it came from plus the
 * tab offsets of its line, so ID, QUAL, FILTER, INFO and sample columns cost nothing
 * until asked for. Keep in mind that it therefore holds its text piece (~32 KiB)
 * alive: copy the fields you need if you keep variants for long.
 */
import type { AlleleKind, InfoValue, Variant, VcfHeader } from "./types.js";
import type { AlleleValues, InfoTyper } from "./info.js";
import type { WarnFn } from "./header.js";
import { findInfo, infoValueText, listInfoKeys, untypedInfoText } from "./info.js";
import { alleleKind } from "./kind.js";
import { abbreviate } from "./meta.js";

/** What every variant of one reader shares. */
export interface RecordContext {
  readonly source: string;
  readonly header: VcfHeader;
  readonly typer: InfoTyper;
  readonly warn: WarnFn;
}

/**
 * INFO typed once for the multi-allelic record read last, by key. Its ALTs' variants slice
 * the same lists: typing a 20,000-value Number=A list once per ALT took minutes for one
 * 20,000-ALT record. Keyed by the typer (one per reader), the text piece and the INFO offset;
 * it keeps that one piece alive until another multi-allelic record is read.
 */
const recordInfo = {
  typer: undefined as InfoTyper | undefined,
  text: "",
  at: -1,
  typed: new Map<string, InfoValue | AlleleValues | undefined>(),
  /** The INFO column as one string object, so per-record caches downstream (annotate) compare by identity. */
  raw: undefined as string | undefined,
};
/** Keys remembered per record; more are typed again on every call (memory stays bounded). */
const RECORD_INFO_KEYS = 256;

/**
 * ALT count from which the ALTs of a record share one INFO typing (and one rawInfo string).
 * Fewer ALTs type their lists again, at most 3× the work: the cache's own cost made reading
 * every field of 2-ALT records ~10% slower.
 */
export const SHARE_FROM_ALTS = 4;

const QUAL_RE = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;

/** One ALT allele of one VCF record; see {@link Variant}. */
export class VcfVariant implements Variant {
  private cachedId: string | undefined;

  /**
   * @internal Built by the record parser. `t2`, `t5`, `t7` are the offsets in `text` of the
   * tabs ending POS, ALT and FILTER; `t8` is where INFO ends (a tab when sample columns
   * follow, else the line end). Other column bounds are found again with `indexOf` when
   * asked for: few fields keep the per-variant object small, which is most of the GC cost.
   */
  constructor(
    private readonly ctx: RecordContext,
    private readonly text: string,
    private readonly t2: number,
    private readonly t5: number,
    private readonly t7: number,
    private readonly t8: number,
    /** CHROM as written. */
    readonly chrom: string,
    /** 1-based POS (0 for a telomere). */
    readonly pos: number,
    readonly ref: string,
    /** This variant's ALT allele. */
    readonly alt: string,
    /** Index of `alt` in the record's ALT list (reference-block alleles included). */
    readonly altIndex: number,
    /** Number of alleles in the record's ALT column. */
    readonly altCount: number,
    /** 1-based line in the decompressed input; 0 in region reads, where it is unknown. */
    readonly line: number,
  ) {}

  /** `chrom-pos-ref-alt`, built on first use. */
  get variantId(): string {
    return (this.cachedId ??= `${this.chrom}-${this.pos}-${this.ref}-${this.alt}`);
  }

  /** The ID column; `.` → empty string. */
  get id(): string {
    const id = this.text.slice(this.t2 + 1, this.text.indexOf("\t", this.t2 + 1));
    return id === "." ? "" : id;
  }

  get kind(): AlleleKind {
    return alleleKind(this.ref, this.alt);
  }

  /** QUAL as a number; `.` or text that is not a number (warned once) → null. */
  get qual(): number | null {
    const q = this.text.slice(this.t5 + 1, this.text.indexOf("\t", this.t5 + 1));
    if (q === ".") return null;
    if (QUAL_RE.test(q)) return Number(q);
    this.ctx.warn("qual", `${this.ctx.source}:${this.line}: QUAL '${abbreviate(q)}' is not a number; read as missing`);
    return null;
  }

  get filter(): readonly string[] {
    const f = this.filterText;
    return f === "." ? [] : f.split(";");
  }

  get filterText(): string {
    return this.text.slice(this.text.lastIndexOf("\t", this.t7 - 1) + 1, this.t7);
  }

  get rawInfo(): string {
    if (this.altCount < SHARE_FROM_ALTS) return this.text.slice(this.t7 + 1, this.t8);
    const memo = this.record();
    return (memo.raw ??= this.text.slice(this.t7 + 1, this.t8));
  }

  /**
   * Typed INFO value for this ALT, or undefined when the key is absent. Flag → true;
   * Number=1 and Number=A → a scalar; Number=R → `[ref, alt]`; Number=G → diploid
   * `[0/0, 0/a, a/a]`; otherwise an array. See {@link InfoTyper.value}.
   */
  info(key: string): InfoValue | undefined {
    const typer = this.ctx.typer;
    if (this.altCount >= SHARE_FROM_ALTS) return this.sharedInfo(typer, key);
    const raw = findInfo(this.text, this.t7 + 1, this.t8, key);
    return raw === undefined ? undefined : typer.value(key, raw, this.altIndex, this.altCount);
  }

  infoText(key: string): string | undefined {
    const raw = findInfo(this.text, this.t7 + 1, this.t8, key);
    if (raw === undefined) return undefined;
    const text = untypedInfoText(this.ctx.header.info.get(key), raw);
    return text !== null ? text : infoValueText(this.info(key));
  }

  infoKeys(): readonly string[] {
    return listInfoKeys(this.text, this.t7 + 1, this.t8, (key) =>
      this.ctx.warn(`info-duplicate:${key}`, `${this.ctx.source}:${this.line}: INFO key '${abbreviate(key)}' appears twice in one record; the first value is used`),
    );
  }

  /** FORMAT keys (`GT`, `DP`, …); empty when the line has no FORMAT column. */
  formatKeys(): readonly string[] {
    if (!this.hasFormat()) return [];
    const end = this.lineEnd();
    const tab = this.text.indexOf("\t", this.t8 + 1);
    const fmt = this.text.slice(this.t8 + 1, tab === -1 || tab > end ? end : tab);
    return fmt === "." || fmt === "" ? [] : fmt.split(":");
  }

  /**
   * Raw per-sample columns (e.g. `0|1:35`), in header sample order; parsed only on call.
   * A count that differs from the header's samples is warned once.
   */
  sampleColumns(): readonly string[] {
    if (!this.hasFormat()) return [];
    const end = this.lineEnd();
    const tab = this.text.indexOf("\t", this.t8 + 1);
    const cols = tab === -1 || tab >= end ? [] : this.text.slice(tab + 1, end).split("\t");
    const expected = this.ctx.header.samples.length;
    if (cols.length !== expected) {
      this.ctx.warn("sample-count", `${this.ctx.source}:${this.line}: ${cols.length} sample column(s) but the header names ${expected}`);
    }
    return cols;
  }

  /** The whole data line as read (without line terminator). */
  rawLine(): string {
    return this.text.slice(this.lineStart(), this.lineEnd());
  }

  /** A plain object for logs and JSON (INFO left raw). */
  toJSON(): Record<string, unknown> {
    return { variantId: this.variantId, chrom: this.chrom, pos: this.pos, id: this.id, ref: this.ref, alt: this.alt, altIndex: this.altIndex, altCount: this.altCount, kind: this.kind, qual: this.qual, filter: this.filter, info: this.rawInfo, line: this.line };
  }

  /** {@link recordInfo}, emptied first when it holds another record than this variant's. */
  private record(): typeof recordInfo {
    const memo = recordInfo;
    const typer = this.ctx.typer;
    if (memo.typer !== typer || memo.at !== this.t7 || memo.text !== this.text) {
      memo.typer = typer;
      memo.text = this.text;
      memo.at = this.t7;
      memo.typed.clear();
      memo.raw = undefined;
    }
    return memo;
  }

  /** {@link VcfVariant.info} for one ALT of a record with many ALTs, through {@link recordInfo}. */
  private sharedInfo(typer: InfoTyper, key: string): InfoValue | undefined {
    const memo = this.record();
    let t = memo.typed.get(key);
    if (t === undefined && !memo.typed.has(key)) {
      const raw = findInfo(this.text, this.t7 + 1, this.t8, key);
      t = raw === undefined ? undefined : typer.typed(key, raw, this.altCount);
      if (memo.typed.size < RECORD_INFO_KEYS) memo.typed.set(key, t);
    }
    return t === undefined ? undefined : typer.forAllele(t, this.altIndex, this.altCount);
  }

  private hasFormat(): boolean {
    return this.text.charCodeAt(this.t8) === 9;
  }

  private lineEnd(): number {
    const nl = this.text.indexOf("\n", this.t8);
    const end = nl === -1 ? this.text.length : nl;
    return end > 0 && this.text.charCodeAt(end - 1) === 13 ? end - 1 : end;
  }

  private lineStart(): number {
    // The line starts right after the previous newline; CHROM never contains one.
    const nl = this.text.lastIndexOf("\n", this.t2);
    return nl + 1;
  }
}
