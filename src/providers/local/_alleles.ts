/**
 * A small, fixed vocabulary of allele features: substitution class for SNVs (strand-
 * collapsed, so G>A is C>T), transition vs transversion, insertion/deletion with its
 * length class and frame, MNV, symbolic type (`<DEL>`, `<DUP:TANDEM>` → `<DUP>`),
 * breakend, `*`. Variants of the same kind share features; nothing else does.
 */
import { FNV_OFFSET, fnvStep, hashLower, upper } from "../../util/hash.js";

const F = (name: string) => hashLower(`allele:${name}`);
const SNV = F("snv");
const TRANSITION = F("transition");
const TRANSVERSION = F("transversion");
const INS = F("insertion");
const DEL = F("deletion");
const DELINS = F("delins");
const MNV = F("mnv");
const SYMBOLIC = F("symbolic");
const BREAKEND = F("breakend");
const STAR = F("overlapping_deletion");
const INFRAME = F("inframe_length");
const FRAMESHIFT = F("frameshift_length");
/** Upper bounds of the indel length classes. */
const LIMITS = [1, 2, 3, 6, 20, 100] as const;
const LENGTH = LIMITS.map((n) => F(`len<=${n}`));
const LENGTH_LONG = F("len>100");

/** Complement of an upper-case base code unit (A↔T, C↔G), others unchanged. */
function complement(c: number): number {
  switch (c) {
    case 65: return 84;
    case 84: return 65;
    case 67: return 71;
    case 71: return 67;
    default: return c;
  }
}

/**
 * Calls `emit(featureHash)` for each allele feature of `ref`→`alt` found at
 * `text[refStart, refEnd)` and `text[altStart, altEnd)`.
 */
export function alleleFeatures(
  text: string, refStart: number, refEnd: number, altStart: number, altEnd: number, emit: (h: number) => void,
): void {
  const rl = refEnd - refStart;
  const al = altEnd - altStart;
  const a0 = text.charCodeAt(altStart);
  if (al === 1 && a0 === 42 /* * */) return emit(STAR);
  if (a0 === 60 /* < */) {
    emit(SYMBOLIC);
    // `<DUP:TANDEM>` shares `<DUP>`'s feature: hash up to the first ':' or '>'.
    let h = FNV_OFFSET;
    for (let i = altStart; i < altEnd; i++) {
      const c = text.charCodeAt(i);
      if (c === 58 || c === 62) break;
      h = fnvStep(h, upper(c));
    }
    return emit(h >>> 0);
  }
  for (let i = altStart; i < altEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 93) return emit(BREAKEND); // [ or ]
  }
  if (a0 === 46 || text.charCodeAt(altEnd - 1) === 46) return emit(BREAKEND); // single breakend `.A` / `A.`
  if (rl === 1 && al === 1) {
    emit(SNV);
    let r = upper(text.charCodeAt(refStart));
    let a = upper(a0);
    // Collapse strands: describe every SNV from the pyrimidine (C or T) of the pair.
    if (r === 65 || r === 71) {
      r = complement(r);
      a = complement(a);
    }
    emit(fnvStep(fnvStep(SNV, r), a) >>> 0);
    const transition = (r === 65 || r === 71) === (a === 65 || a === 71);
    emit(transition ? TRANSITION : TRANSVERSION);
    return;
  }
  if (rl === al) return emit(MNV);
  const sameFirst = upper(text.charCodeAt(refStart)) === upper(a0);
  emit(!sameFirst ? DELINS : al > rl ? INS : DEL);
  const d = Math.abs(al - rl);
  emit(d % 3 === 0 ? INFRAME : FRAMESHIFT);
  let k = 0;
  while (k < LIMITS.length && d > LIMITS[k]!) k++;
  emit(k < LIMITS.length ? LENGTH[k]! : LENGTH_LONG);
}
