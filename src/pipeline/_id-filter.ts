/**
 * Which variant ids this ingest has already sent to the table. {@link SentIds} knows it
 * exactly while the input is coordinate-sorted; after that an {@link IdFilter} (a growing
 * Bloom filter, 4 bytes per id) answers approximately: "no" is exact (the id was never
 * added), "maybe" is wrong with probability ~2e-7 per id. A "maybe" is looked up in the
 * table, so a false one costs a look-up, never a duplicate row.
 */
import { fmix32 } from "../util/hash.js";

/** Bits per expected id: with k = 22 probes, a false "maybe" ≈ 0.6185^32 ≈ 2e-7 per lookup. */
const BITS_PER_ID = 32;
const PROBES = 22;
/** First filter's capacity; each next one doubles (4 MiB at 1M ids, 4 bytes per id overall). */
const FIRST_CAPACITY = 1 << 17;

class Bloom {
  readonly bits: Uint32Array;
  readonly mask: number;
  count = 0;

  constructor(readonly capacity: number) {
    // A power of two of bits, so the probe index is a mask, not a modulo.
    let size = 32;
    while (size < capacity * BITS_PER_ID) size *= 2;
    this.bits = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  has(h1: number, h2: number): boolean {
    const bits = this.bits;
    for (let i = 0; i < PROBES; i++) {
      const b = (h1 + Math.imul(i, h2)) & this.mask;
      if ((bits[b >>> 5]! & (1 << (b & 31))) === 0) return false;
    }
    return true;
  }

  add(h1: number, h2: number): void {
    const bits = this.bits;
    for (let i = 0; i < PROBES; i++) {
      const b = (h1 + Math.imul(i, h2)) & this.mask;
      bits[b >>> 5] = bits[b >>> 5]! | (1 << (b & 31));
    }
    this.count++;
  }
}

/** A set of strings that answers "definitely not added" or "maybe added". */
export class IdFilter {
  readonly #filters: Bloom[] = [new Bloom(FIRST_CAPACITY)];
  #h1 = 0;
  #h2 = 0;

  /** Ids added so far. */
  get size(): number {
    return this.#filters.reduce((s, f) => s + f.count, 0);
  }

  /** Bytes held by the filter bits. */
  get bytes(): number {
    return this.#filters.reduce((s, f) => s + f.bits.byteLength, 0);
  }

  /** False when `id` was certainly never added; true when it maybe was. */
  mayHave(id: string): boolean {
    this.#hash(id);
    for (const f of this.#filters) if (f.has(this.#h1, this.#h2)) return true;
    return false;
  }

  /** Adds `id`. */
  add(id: string): void {
    this.#hash(id);
    let last = this.#filters[this.#filters.length - 1]!;
    if (last.count >= last.capacity) {
      last = new Bloom(last.capacity * 2);
      this.#filters.push(last);
    }
    last.add(this.#h1, this.#h2);
  }

  /** Two independent 32-bit hashes of `s` (FNV-1a and a multiply-rotate hash, each finalized with murmur3's mixer). */
  #hash(s: string): void {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul((b << 5) | (b >>> 27), 0x5bd1e995) ^ c;
    }
    this.#h1 = fmix32(a);
    // Odd step, so the probes of one id never collapse onto one bit.
    this.#h2 = fmix32(b ^ s.length) | 1;
  }
}

/**
 * What {@link SentIds.take} knows of an id: "new" (certainly never sent), "repeat"
 * (certainly sent), "maybe" (look it up), or "unordered": the input has left coordinate
 * order and the filter of every sent id must be given ({@link SentIds.useFilter}) before
 * the id can be answered; it was not recorded.
 */
export type SentVerdict = "new" | "repeat" | "maybe" | "unordered";

/** Contigs remembered to recognize a return to one (a file with more is treated as unsorted). */
const MAX_CONTIGS = 1 << 20;

/**
 * The ids this ingest has sent: exactly, in memory independent of the file's size, while
 * the input is coordinate-sorted; through an {@link IdFilter} of every sent id after that.
 *
 * A variant id is `chrom-pos-ref-alt` of its own record (src/vcf/variant.ts), so two
 * records with one id share their CHROM and POS. In a coordinate-sorted file (what tabix,
 * bcftools and every pipeline produce) each contig is one block and positions never go
 * down within it: an earlier record with the same id can only be in the current run of
 * equal positions. While the input stays sorted, the ids of that run answer exactly,
 * "repeat" or "new", in memory bounded by the longest run, and no id is ever looked up
 * in the table (on a 1M-record file those look-ups scanned the growing table ~500 times).
 * The first record that breaks the order (a position that goes down, a contig seen
 * before) ends the exact mode for good: the caller then builds the filter once from the
 * table and the batch it is collecting, and from then on "maybe" ids are looked up.
 */
export class SentIds {
  #filter: IdFilter | null = null;
  #sorted = true;
  #chrom: string | null = null;
  #pos = 0;
  readonly #run = new Set<string>();
  readonly #contigs = new Set<string>();

  /** False once the input broke coordinate order. */
  get sorted(): boolean {
    return this.#sorted;
  }

  /**
   * Records `id` (of a variant at `chrom`:`pos`, in input order) as sent and says whether
   * it was sent before; see {@link SentVerdict}.
   */
  take(id: string, chrom: string, pos: number): SentVerdict {
    if (this.#sorted) this.#follow(chrom, pos);
    if (this.#sorted) {
      if (this.#run.has(id)) return "repeat";
      this.#run.add(id);
      return "new";
    }
    const filter = this.#filter;
    if (filter === null) return "unordered";
    if (filter.mayHave(id)) return "maybe";
    filter.add(id);
    return "new";
  }

  /** After an "unordered" answer: `filter` holds every id sent so far. */
  useFilter(filter: IdFilter): void {
    this.#filter = filter;
  }

  /** Moves the current run to `chrom`:`pos`, or leaves the exact mode when that breaks the order. */
  #follow(chrom: string, pos: number): void {
    if (chrom === this.#chrom) {
      if (pos === this.#pos) return;
      if (pos < this.#pos) {
        this.#leaveSorted();
        return;
      }
    } else {
      if (this.#contigs.has(chrom) || this.#contigs.size >= MAX_CONTIGS) {
        this.#leaveSorted();
        return;
      }
      this.#contigs.add(chrom);
      this.#chrom = chrom;
    }
    this.#pos = pos;
    this.#run.clear();
  }

  #leaveSorted(): void {
    this.#sorted = false;
    this.#run.clear();
    this.#contigs.clear();
  }
}
