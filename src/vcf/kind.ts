/**
 * Allele kind from spelling alone (no reference genome): VCF 4.4 §1.6.1 (ALT) and §5.4
 * (breakends).
 */
import type { AlleleKind } from "./types.js";

/**
 * Classifies one ALT allele against its REF.
 * - `*` → `overlapping_deletion`; `<...>` → `symbolic`;
 * - `[`/`]` mates (`G]17:198982]`, `]13:123456]T`, …) and single breakends (`.A`, `A.`) → `breakend`;
 * - equal lengths → `snv` (1 base) or `mnv`;
 * - different lengths where the alleles share the first base (VCF padding) or one is a
 *   suffix of the other → `indel`; anything else → `complex`.
 * @example alleleKind("TAA", "T") // "indel"
 */
export function alleleKind(ref: string, alt: string): AlleleKind {
  const first = alt.charCodeAt(0);
  if (alt.length === 1) {
    if (first === 42 /* * */) return "overlapping_deletion";
    return ref.length === 1 ? "snv" : ref.charCodeAt(0) === first || ref.endsWith(alt) ? "indel" : "complex";
  }
  if (first === 60 /* < */ && alt.charCodeAt(alt.length - 1) === 62 /* > */) return "symbolic";
  if (alt.indexOf("[") !== -1 || alt.indexOf("]") !== -1) return "breakend";
  if (first === 46 /* . */ || alt.charCodeAt(alt.length - 1) === 46) return "breakend";
  if (alt.length === ref.length) return "mnv";
  if (ref.charCodeAt(0) === first) return "indel";
  return ref.endsWith(alt) || alt.endsWith(ref) ? "indel" : "complex";
}

/** gVCF reference-block alleles: they say "no variant here", so they are not variants. */
export function isReferenceBlockAllele(alt: string): boolean {
  return alt === "<*>" || alt === "<NON_REF>";
}
