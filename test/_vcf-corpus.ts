/**
 * Shared fixtures for the VCF reader tests: the conformance corpus manifest, a
 * full-read helper with a timeout, and the bcftools peer.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { openVcf, type ReadOptions } from "../src/vcf/index.js";
import type { ReaderStats } from "../src/vcf/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Repository root. */
export const ROOT = path.resolve(here, "..");
/** The shared read-only data directory. */
export const DATA = path.resolve(ROOT, "../shared/data");
export const CONFORMANCE = path.join(DATA, "conformance");
export const REAL = path.join(DATA, "real");
export const LOCAL_DATA = path.join(ROOT, "test/data");

/** One row of conformance/files.tsv. */
export interface CorpusRow {
  readonly localPath: string;
  readonly status: string;
  readonly compression: string;
  readonly note: string;
}

/** Rows of files.tsv. */
export function corpusRows(): CorpusRow[] {
  const lines = readFileSync(path.join(CONFORMANCE, "files.tsv"), "utf8").trim().split("\n").slice(1);
  return lines.map((l) => {
    const c = l.split("\t");
    return { localPath: c[0] ?? "", status: c[4] ?? "", compression: c[7] ?? "", note: c[10] ?? "" };
  });
}

/** Files in the hts-specs `failed` directories (listed on disk, in case the manifest misses one). */
export function htsSpecsFailed(): string[] {
  const base = path.join(CONFORMANCE, "hts-specs/test/vcf");
  const out: string[] = [];
  for (const version of readdirSync(base)) {
    const dir = path.join(base, version, "failed");
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith(".vcf")) out.push(path.relative(CONFORMANCE, path.join(dir, f)));
  }
  return out.sort();
}

/** (chrom, pos, ref, alt) as one tab-joined string. */
export type Site = string;

/** Outcome of reading a whole file with our reader. */
export type ReadOutcome =
  | { ok: true; sites: Site[]; stats: ReaderStats; sane: string[] }
  | { ok: false; error: unknown };

/**
 * Reads every variant of `file`, touching every INFO key and the sample columns, within
 * `timeoutMs`; `sane` lists variants with a POS below `minPos`, empty alleles, or a bad CHROM.
 */
export async function readAll(file: string, options: ReadOptions = {}, { minPos = 1, timeoutMs = 15_000 } = {}): Promise<ReadOutcome> {
  try {
    const reader = await openVcf(file, { ...options, signal: AbortSignal.timeout(timeoutMs) });
    const sites: Site[] = [];
    const sane: string[] = [];
    for await (const batch of reader.batches(64)) {
      for (const v of batch) {
        sites.push(`${v.chrom}\t${v.pos}\t${v.ref}\t${v.alt}`);
        for (const k of v.infoKeys()) v.info(k);
        v.sampleColumns();
        void v.qual;
        void v.filter;
        if (!Number.isSafeInteger(v.pos) || v.pos < minPos) sane.push(`pos ${v.pos}`);
        if (v.ref.length === 0 || v.alt.length === 0) sane.push(`empty allele at ${v.chrom}:${v.pos}`);
        if (v.chrom.length === 0 || v.chrom.includes("\t")) sane.push(`chrom '${v.chrom}'`);
        if (v.variantId !== `${v.chrom}-${v.pos}-${v.ref}-${v.alt}`) sane.push(`variantId ${v.variantId}`);
      }
    }
    return { ok: true, sites, stats: reader.stats, sane };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Alleles that are not variants on either side of the comparison (see docs/parsing.md). */
export function isReferenceOnly(alt: string): boolean {
  return alt === "." || alt === "<*>" || alt === "<NON_REF>";
}

/** Result of `bcftools norm -m -any FILE | bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\n'`. */
export interface PeerResult {
  readonly ok: boolean;
  readonly sites: Site[];
  readonly stderr: string;
}

/**
 * Runs the bcftools peer on `file`. A run that exits non-zero or prints an htslib error
 * (`[E::`, which bcftools may print while still exiting 0 and dropping records) fails.
 */
export function bcftoolsSites(file: string): PeerResult {
  const script = `set -o pipefail; bcftools norm -m -any "$1" 2>>"$2" | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\n' 2>>"$2"`;
  const errFile = path.join(scratchDir(), `err-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(errFile, "");
  const r = spawnSync("bash", ["-c", script, "_", file, errFile], { encoding: "utf8", maxBuffer: 256 << 20 });
  const stderr = readFileSync(errFile, "utf8");
  const ok = r.status === 0 && !stderr.includes("[E::");
  const sites = ok ? r.stdout.split("\n").filter((l) => l.length > 0) : [];
  return { ok, sites: sites.filter((l) => !isReferenceOnly(l.split("\t")[3] ?? "")), stderr };
}

let scratch: string | undefined;
/** A per-process temporary directory. */
export function scratchDir(): string {
  scratch ??= mkdtempSync(path.join(tmpdir(), "vcf-reader-test-"));
  return scratch;
}

/**
 * A copy of `file` that htslib 1.16 can write back out: only CHROM..ALT kept (QUAL,
 * FILTER, INFO set to `.`, samples dropped), only `##fileformat` and `##contig` meta
 * lines kept, `##fileformat` added when missing and a `##contig` line added for every
 * undeclared CHROM. None of this changes
 * (chrom, pos, ref, alt); it works around `bcftools norm` refusing to write records
 * whose contig/INFO/FORMAT tags are undeclared ("Invalid BCF, CONTIG id=0 not present").
 */
export function sitesOnlyCopy(file: string): string {
  const raw = readFileSync(file);
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("utf8");
  const lines = text.split(/\r?\n/);
  const meta: string[] = [];
  const body: string[] = [];
  let header = "";
  for (const l of lines) {
    if (l.startsWith("##")) {
      if (/^##(fileformat|contig)=/.test(l)) meta.push(l);
    } else if (l.startsWith("#")) header = l.split("\t").slice(0, 8).join("\t");
    else if (l.length > 0) {
      const c = l.split("\t");
      body.push([...c.slice(0, 5), ".", ".", "."].join("\t"));
    }
  }
  const declared = new Set(meta.map((m) => /^##contig=<ID=([^,>]+)/.exec(m)?.[1]).filter((x) => x !== undefined));
  for (const b of body) {
    const chrom = b.slice(0, b.indexOf("\t"));
    if (!declared.has(chrom)) {
      declared.add(chrom);
      meta.push(`##contig=<ID=${chrom}>`);
    }
  }
  if (!meta.some((m) => m.startsWith("##fileformat="))) meta.unshift("##fileformat=VCFv4.2");
  const out = path.join(scratchDir(), `${path.basename(file).replace(/\.gz$/, "")}.sites-${Math.random().toString(36).slice(2)}.vcf`);
  writeFileSync(out, [...meta, header, ...body, ""].join("\n"));
  return out;
}
