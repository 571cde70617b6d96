/**
 * Record-order checks that cost almost nothing per record: unsorted positions,
 * non-contiguous chromosomes and repeated variants at one position. They are warnings,
 * not errors: embedding does not depend on order, and re-ingest is idempotent by id.
 */
import type { WarnFn } from "./header.js";

/**
 * Chromosomes remembered for the non-contiguity check. A file with millions of one-record
 * contigs would otherwise keep every name; past this many, later contigs are not checked.
 */
export const MAX_TRACKED_CONTIGS = 100_000;

/** Watches the stream of (chrom, pos, ref, alt) and warns once per kind of problem. */
export class OrderTracker {
  private lastChrom: string | undefined;
  private lastPos = 0;
  private readonly finished = new Set<string>();
  private firstRef = "";
  private firstAlt = "";
  /**
   * `ref\talt` of further variants at `lastPos`; built only when a position repeats. A set:
   * with an array, a record with 100,000 ALTs cost 5·10⁹ string comparisons.
   */
  private readonly more = new Set<string>();

  constructor(
    private readonly source: string,
    private readonly warn: WarnFn,
  ) {}

  /** Call once per variant, in file order. */
  see(chrom: string, pos: number, ref: string, alt: string, line: number): void {
    if (chrom === this.lastChrom) {
      if (pos === this.lastPos) {
        const key = `${ref}\t${alt}`;
        if ((ref === this.firstRef && alt === this.firstAlt) || this.more.has(key)) {
          this.warn("duplicate", `${this.source}:${line}: duplicate variant ${chrom}-${pos}-${ref}-${alt}`);
        } else {
          this.more.add(key);
        }
        return;
      }
      if (pos < this.lastPos) this.warn("unsorted", `${this.source}:${line}: records are not sorted (${chrom}:${pos} after ${chrom}:${this.lastPos})`);
    } else {
      if (this.lastChrom !== undefined && this.finished.size < MAX_TRACKED_CONTIGS) this.finished.add(this.lastChrom);
      if (this.finished.has(chrom)) this.warn("non-contiguous", `${this.source}:${line}: records of chromosome ${chrom} are not contiguous`);
      this.lastChrom = chrom;
    }
    this.lastPos = pos;
    this.firstRef = ref;
    this.firstAlt = alt;
    if (this.more.size > 0) this.more.clear();
  }
}
