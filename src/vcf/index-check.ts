/**
 * Bounds check of a tabix (.tbi) or CSI index before @gmod/tabix uses it. The library sizes
 * arrays from the index's counts and reads the byte ranges its virtual offsets name, so a
 * damaged index could make it allocate as much as a count or an offset says: one flipped
 * byte in a 900-byte .tbi made a region read hold 150 MB. Here every count must fit in the
 * bytes that follow it, and every offset must point inside the data file.
 */

/** What is wrong with the index layout, or undefined when it is sound. */
export function indexProblem(bytes: Buffer, kind: "TBI" | "CSI", dataSize: number): string | undefined {
  const walk = new Walk(bytes, dataSize);
  try {
    if (kind === "TBI") walkTbi(walk);
    else walkCsi(walk);
    return undefined;
  } catch (err) {
    if (err instanceof Problem) return err.message;
    throw err;
  }
}

class Problem extends Error {}

/** A cursor over the decompressed index that throws {@link Problem} instead of reading past the end. */
class Walk {
  pos = 4; // after the magic

  constructor(
    private readonly b: Buffer,
    private readonly dataSize: number,
  ) {}

  /** A non-negative int32 count of items of `size` bytes that must all fit in what is left. */
  count(what: string, size: number): number {
    const at = this.pos;
    const n = this.int(what);
    const left = this.b.length - this.pos;
    if (n < 0 || n * size > left) throw new Problem(`${what} ${n} at byte ${at} needs ${n * size} bytes, ${left} left`);
    return n;
  }

  int(what: string): number {
    this.need(4, what);
    const v = this.b.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A virtual offset whose compressed part must lie inside the data file. */
  offset(what: string): void {
    this.need(8, what);
    const coffset = this.b.readUInt32LE(this.pos + 4) * 65536 + (this.b.readUInt32LE(this.pos) >>> 16);
    if (coffset > this.dataSize) throw new Problem(`${what} at byte ${this.pos} points to byte ${coffset} of a ${this.dataSize}-byte file`);
    this.pos += 8;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.b.length) throw new Problem(`${what} at byte ${this.pos} runs past the end (${this.b.length} bytes)`);
  }
}

/** Bin number of the pseudo-bin that holds per-reference statistics (htslib: two chunks). */
const TBI_PSEUDO_BIN = 37450;

function chunks(w: Walk, pseudo: boolean): void {
  const n = w.count("chunk count", 16);
  if (pseudo) {
    if (n !== 2) throw new Problem(`pseudo-bin with ${n} chunks (2 expected) before byte ${w.pos}`);
    w.skip(32, "pseudo-bin");
    return;
  }
  for (let k = 0; k < n; k++) {
    w.offset("chunk start");
    w.offset("chunk end");
  }
}

function walkTbi(w: Walk): void {
  const refs = w.count("reference count", 8); // each reference needs at least n_bin and n_intv
  w.skip(24, "tabix header");
  w.skip(w.count("name section length", 1), "names");
  for (let r = 0; r < refs; r++) {
    const bins = w.count("bin count", 8);
    for (let j = 0; j < bins; j++) {
      const bin = w.int("bin") >>> 0;
      if (bin > TBI_PSEUDO_BIN) throw new Problem(`bin ${bin} before byte ${w.pos} is beyond the tabix bins`);
      chunks(w, bin === TBI_PSEUDO_BIN);
    }
    const intervals = w.count("linear index size", 8);
    for (let k = 0; k < intervals; k++) w.offset("linear index offset");
  }
}

function walkCsi(w: Walk): void {
  const minShift = w.int("min_shift");
  const depth = w.int("depth");
  // htslib allows min_shift + 3 × depth ≤ 62; @gmod/tabix computes bin numbers in 32 bits,
  // which holds for depth ≤ 9 (positions up to 2^(min_shift + 27)).
  if (minShift < 0 || depth < 0 || depth > 9 || minShift + 3 * depth > 62) throw new Problem(`min_shift ${minShift} and depth ${depth} are out of range`);
  const maxBin = ((1 << ((depth + 1) * 3)) - 1) / 7;
  const aux = w.count("aux length", 1);
  const auxStart = w.pos;
  if (aux >= 28) {
    w.skip(24, "tabix header");
    const names = w.count("name section length", 1);
    if (names > aux - 28) throw new Problem(`name section length ${names} exceeds the aux data (${aux} bytes)`);
  }
  w.pos = auxStart;
  w.skip(aux, "aux data");
  const refs = w.count("reference count", 4);
  for (let r = 0; r < refs; r++) {
    const bins = w.count("bin count", 16);
    for (let j = 0; j < bins; j++) {
      const bin = w.int("bin") >>> 0;
      w.offset("bin offset");
      chunks(w, bin > maxBin);
    }
  }
}
