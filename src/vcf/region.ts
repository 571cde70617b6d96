/**
 * Region strings as samtools/tabix write them: `chr17`, `chr17:43044295-43125483`,
 * `17:100-` and `17:100` (100 to the end), with optional thousands separators, and
 * `{name}` / `{name}:range` for contig names that contain `:` (htslib's syntax).
 * Coordinates are 1-based and inclusive.
 */
import { VcfAgentError } from "../errors.js";

/** The hint given whenever a region cannot be read. */
export const REGION_HINT = "region reads need a bgzip-compressed file with a .tbi or .csi index; run `bgzip FILE && tabix -p vcf FILE.gz`";

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
 * like `1:1-1`), it means the whole contig, as in tabix; when it could also be read as
 * a range on another known contig, it is ambiguous and must be braced, as in htslib.
 * @throws VcfAgentError (`VCF_REGION`) naming `source` and the region.
 * @example parseRegion("17:100-200", "x.vcf.gz") // { chrom: "17", start: 100, end: 200 }
 */
export function parseRegion(region: string, source: string, contigs?: ReadonlySet<string>): Region {
  const fail = (reason: string): never => {
    throw new VcfAgentError(`${source}: region '${region}': ${reason}`, "VCF_REGION");
  };
  if (region.length === 0) fail("is empty");
  let chrom: string;
  let range: string | undefined;
  if (region.startsWith("{")) {
    const close = region.indexOf("}");
    if (close === -1) return fail("has '{' without '}'");
    chrom = region.slice(1, close);
    const rest = region.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) return fail("expected ':' after '}'");
    range = rest === "" ? undefined : rest.slice(1);
  } else {
    const colon = region.lastIndexOf(":");
    const asRange = colon === -1 ? undefined : { chrom: region.slice(0, colon), range: region.slice(colon + 1) };
    const rangeOk = asRange !== undefined && RANGE_RE.test(asRange.range) && (contigs === undefined || contigs.has(asRange.chrom));
    if (contigs?.has(region) === true) {
      if (rangeOk && asRange !== undefined) return fail(`is ambiguous; write {${region}} or {${asRange.chrom}}:${asRange.range}`);
      return { chrom: region, start: 1, end: undefined };
    }
    if (asRange === undefined || !RANGE_RE.test(asRange.range)) {
      if (asRange !== undefined && contigs?.has(asRange.chrom) === true) return fail("expected CHROM, CHROM:START-END, CHROM:START- or CHROM:START");
      return { chrom: region, start: 1, end: undefined };
    }
    chrom = asRange.chrom;
    range = asRange.range;
  }
  if (chrom.length === 0) fail("has no chromosome name");
  if (range === undefined) return { chrom, start: 1, end: undefined };
  const m = RANGE_RE.exec(range);
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
