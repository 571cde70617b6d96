/**
 * Region strings as samtools/tabix write them: `chr17`, `chr17:43044295-43125483`,
 * `17:100-` and `17:100` (100 to the end), with optional thousands separators.
 * Coordinates are 1-based and inclusive.
 */
import { VcfAgentError } from "../errors.js";

/** A parsed region; `end` undefined means "to the end of the contig". */
export interface Region {
  readonly chrom: string;
  /** 1-based inclusive start. */
  readonly start: number;
  /** 1-based inclusive end. */
  readonly end: number | undefined;
}

const RANGE_RE = /^([\d,]+)(?:-([\d,]*))?$/;

/**
 * Parses `region`. When the whole string is a known contig name (htslib allows names
 * like `1:1-1`), it means the whole contig, as in tabix.
 * @throws VcfAgentError (`VCF_REGION`) naming `source` and the region.
 * @example parseRegion("17:100-200", "x.vcf.gz") // { chrom: "17", start: 100, end: 200 }
 */
export function parseRegion(region: string, source: string, contigs?: ReadonlySet<string>): Region {
  const fail = (reason: string): never => {
    throw new VcfAgentError(`${source}: region '${region}': ${reason}`, "VCF_REGION");
  };
  if (region.length === 0) fail("is empty");
  if (contigs?.has(region)) return { chrom: region, start: 1, end: undefined };
  const colon = region.lastIndexOf(":");
  if (colon === -1) return { chrom: region, start: 1, end: undefined };
  const chrom = region.slice(0, colon);
  if (chrom.length === 0) fail("has no chromosome name");
  const m = RANGE_RE.exec(region.slice(colon + 1));
  if (m === null) return fail("expected CHROM, CHROM:START-END, CHROM:START- or CHROM:START");
  const start = toInt(m[1] as string);
  const endText = m[2];
  const end = endText === undefined || endText === "" ? undefined : toInt(endText);
  if (!Number.isSafeInteger(start) || start < 1) fail(`start ${m[1]} must be a positive integer`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) fail(`end ${endText} must be an integer ≥ start`);
  return { chrom, start, end };
}

function toInt(s: string): number {
  const digits = s.replaceAll(",", "");
  return digits.length === 0 ? Number.NaN : Number(digits);
}
