/**
 * Where a text puts its variant: the locus and alleles of a description
 * (`Variant at chromosome 17 position 43045712 reference allele G to alternate allele A ...`)
 * or a locus mentioned in free text (`chr17:43045712`, `chromosome 17 position 43045712`,
 * `chromosome 17`), and the genome-wide coordinate that the locus code is built from.
 */
import { FNV_OFFSET, fnvStep, upper } from "../../util/hash.js";

/** GRCh38 primary assembly lengths of 1–22, X, Y, MT, in that order. */
const GRCH38_LENGTHS = [
  248956422, 242193529, 198295559, 190214555, 181538259, 170805979, 159345973, 145138636, 138394717, 133797422,
  135086622, 133275309, 114364328, 107043718, 101991189, 90338345, 83257441, 80373285, 58617616, 64444167,
  46709983, 50818468, 156040895, 57227415, 16569,
];
const NAMES = [...Array.from({ length: 22 }, (_, i) => String(i + 1)), "X", "Y", "MT"];

/** Number of chromosomes with a fixed identity slot (1–22, X, Y, MT). */
export const KNOWN_CHROMOSOMES = NAMES.length;

/** Genome-wide offset of each known chromosome: chromosomes laid end to end in GRCh38 order. */
const OFFSETS = (() => {
  const o = new Float64Array(NAMES.length);
  let acc = 0;
  for (let i = 0; i < NAMES.length; i++) {
    o[i] = acc;
    acc += GRCH38_LENGTHS[i]!;
  }
  return o;
})();
/** Where unplaced contigs start: past the end of MT, so they are never near a known chromosome. */
const FAR = 3.3e9;

function nameHash(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) h = fnvStep(h, name.charCodeAt(i));
  return h >>> 0;
}
const INDEX: ReadonlyMap<number, number> = new Map(NAMES.map((n, i) => [nameHash(n), i]));
const MT = NAMES.length - 1;

/**
 * Hash of a chromosome name as written in `text[start, end)`, with any `chr` prefix
 * dropped and letters upper-cased (`chr17`, `17` and `CHR17` agree; `M` is `MT`).
 */
export function chromosomeHash(text: string, start: number, end: number): number {
  if (end - start > 3 && (text.charCodeAt(start) | 32) === 99 && (text.charCodeAt(start + 1) | 32) === 104 && (text.charCodeAt(start + 2) | 32) === 114) start += 3;
  if (end - start === 1 && upper(text.charCodeAt(start)) === 77) return nameHash("MT");
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = fnvStep(h, upper(text.charCodeAt(i)));
  return h >>> 0;
}

/** Index 0..24 of a known chromosome (1–22, X, Y, MT) by {@link chromosomeHash}, or -1. */
export function chromosomeIndex(hash: number): number {
  return INDEX.get(hash) ?? -1;
}

/** Genome-wide coordinate of `pos` on the chromosome with this hash/index. */
export function genomeCoordinate(index: number, hash: number, pos: number): number {
  if (index >= 0) return OFFSETS[index]! + pos;
  // Unplaced contigs get a hashed slot 0.5 Gb apart, beyond the assembled chromosomes.
  return FAR + (hash % 8192) * 5e8 + pos;
}

/** Index of MT, for tests and callers that special-case it. */
export const MT_INDEX = MT;

/**
 * Locus and allele spans found in a text. Offsets are into the text; -1 marks a part
 * that is absent. Reused between calls to keep the hot path free of allocation.
 */
export class LocusSpans {
  chromStart = -1;
  chromEnd = -1;
  /** Parsed POS, or -1. */
  pos = -1;
  refStart = -1;
  refEnd = -1;
  altStart = -1;
  altEnd = -1;
  /** Where the description's annotation part starts (after the ALT), or -1 for free text. */
  restStart = -1;

  /** Marks every part absent. */
  reset(): void {
    this.chromStart = this.chromEnd = this.pos = this.refStart = this.refEnd = this.altStart = this.altEnd = this.restStart = -1;
  }
}

const HEAD = "Variant at chromosome ";
const POSITION = " position ";
const REF = " reference allele ";
const ALT = " to alternate allele ";

function tokenEnd(text: string, from: number): number {
  const sp = text.indexOf(" ", from);
  return sp < 0 ? text.length : sp;
}

/** Fills `s` from a description head; false (and `s` reset) when `text` is not one. */
export function parseDescriptionHead(text: string, s: LocusSpans): boolean {
  s.reset();
  if (!text.startsWith(HEAD)) return false;
  const cs = HEAD.length;
  const ce = tokenEnd(text, cs);
  if (ce === cs || !text.startsWith(POSITION, ce)) return false;
  const ps = ce + POSITION.length;
  let pe = ps;
  let pos = 0;
  while (pe < text.length) {
    const c = text.charCodeAt(pe);
    if (c < 48 || c > 57) break;
    pos = pos * 10 + (c - 48);
    pe++;
  }
  if (pe === ps || !text.startsWith(REF, pe)) return false;
  const rs = pe + REF.length;
  const re = tokenEnd(text, rs);
  if (re === rs || !text.startsWith(ALT, re)) return false;
  const as = re + ALT.length;
  const ae = tokenEnd(text, as);
  if (ae === as) return false;
  s.chromStart = cs;
  s.chromEnd = ce;
  s.pos = pos;
  s.refStart = rs;
  s.refEnd = re;
  s.altStart = as;
  s.altEnd = ae;
  s.restStart = ae;
  return true;
}

/** `chr17:43,045,712`, `chromosome 17 position 43045712`, `chromosome X` or `chrX` in free text. */
const FREE_LOCUS = /\b(?:chromosome\s+|chr)([0-9]{1,2}|[XYM]|MT)\b(?:(?:\s*:\s*|\s+position\s+)([0-9][0-9,]*))?/i;

const PREFIX = /^(?:chromosome\s+|chr)/i;

/** Fills `s` with a locus mentioned in free text; returns the matched span or undefined. */
export function findFreeLocus(text: string, s: LocusSpans): [start: number, end: number] | undefined {
  s.reset();
  const m = FREE_LOCUS.exec(text);
  if (!m) return undefined;
  const chrom = m[1]!;
  const chromStart = m.index + PREFIX.exec(m[0])![0].length;
  s.chromStart = chromStart;
  s.chromEnd = chromStart + chrom.length;
  if (m[2] !== undefined) s.pos = Number(m[2].replaceAll(",", ""));
  return [m.index, m.index + m[0].length];
}
