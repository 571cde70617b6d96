/** Allele frequency of one ALT from INFO keys (AF, ExAC, ESP, 1000 Genomes, gnomAD). */
import type { InfoValue, Variant } from "../types.js";
import { AF_KEYS, info } from "./_record.js";

/** Allele frequency from INFO (AF, then AF_EXAC, AF_ESP, AF_TGP, gnomAD-style keys). */
export function infoFrequency(v: Variant): number | undefined {
  for (const key of AF_KEYS) {
    const f = frequency(info(v, key), v.altIndex);
    if (f !== undefined) return f;
  }
  return undefined;
}

/** A frequency from an INFO value: a number, a numeric string, or a per-ALT list not yet sliced. */
function frequency(value: InfoValue | undefined, altIndex: number): number | undefined {
  if (value === undefined || value === null || typeof value === "boolean") return undefined;
  const scalar = Array.isArray(value) ? (value.length === 1 ? value[0] : value[altIndex]) : value;
  if (scalar === undefined || scalar === null) return undefined;
  const n = typeof scalar === "number" ? scalar : Number(scalar);
  return Number.isFinite(n) && scalar !== "" ? n : undefined;
}
