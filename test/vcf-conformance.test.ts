/**
 * Conformance against bcftools: for every valid VCF in the shared corpus, the real
 * annotated files and test/data, our (chrom, pos, ref, alt) list must equal
 * `bcftools norm -m -any FILE | bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\n'`,
 * minus reference-only alleles (`.`, `<*>`, `<NON_REF>`) on both sides.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { VcfFormatError } from "../src/errors.js";
import { CONFORMANCE, LOCAL_DATA, REAL, bcftoolsSites, corpusRows, readAll, sitesOnlyCopy } from "./_vcf-corpus.js";

const rows = corpusRows().filter((r) => (r.status === "valid" || r.status === "valid(htslib)") && ["plain", "gzip", "bgzf"].includes(r.compression));
const bcfRows = rows.filter((r) => r.localPath.endsWith(".bcf"));
const vcfFiles = [
  ...rows.filter((r) => !r.localPath.endsWith(".bcf")).map((r) => path.join(CONFORMANCE, r.localPath)),
  ...readdirSync(REAL).filter((f) => /\.vcf(\.gz)?$/.test(f)).map((f) => path.join(REAL, f)),
  ...(existsSync(LOCAL_DATA) ? readdirSync(LOCAL_DATA).filter((f) => /\.vcf(\.gz)?$/.test(f)).map((f) => path.join(LOCAL_DATA, f)) : []),
];

/** The lists below were taken with the bcftools of Debian 12 (1.16); other versions may differ in which files they refuse. */
const BCFTOOLS_VERSION = /^bcftools (\S+)/.exec(execFileSync("bcftools", ["--version"], { encoding: "utf8" }))?.[1];
const PINNED = BCFTOOLS_VERSION === "1.16";

/**
 * Files that bcftools 1.16 refuses as they are, but reads once reduced to a sites-only
 * copy with the missing `##fileformat`/`##contig` lines added (see `sitesOnlyCopy`):
 * htslib cannot write a record whose contig, INFO or FORMAT tag is undeclared, stops
 * on `##fileformat` missing from line 1, and errors on INFO/FORMAT counts that do not
 * fit their Number (e.g. AC with Number=A but one value for 305 alleles).
 */
const NEEDS_SITES_ONLY = new Set<string>([
  "cyvcf2/cyvcf2/tests/bug.vcf.gz",
  "cyvcf2/cyvcf2/tests/no-seq-names.vcf",
  "cyvcf2/cyvcf2/tests/seg.vcf.gz",
  "cyvcf2/cyvcf2/tests/test-format-string.vcf",
  "cyvcf2/cyvcf2/tests/test.bug.117.vcf",
  "cyvcf2/cyvcf2/tests/test.warnings.vcf.gz",
  "hts-specs/test/vcf/4.5/passed/zero_length_LAA.vcf",
  "htslib/test/test-vcf-hdr-in.vcf",
  "htslib/test/vcf44_1.vcf",
  "htslib/test/tabix/vcf_file.vcf",
  "vcf-js/test/data/breakends.vcf",
  "vcf-js/test/data/pedigree.vcf",
  "vcf-js/test/data/sniffles.vcf",
  "vcf-js/test/data/vcf4.3_spec_bnd.vcf",
  "vcf-js/test/data/weird_info_and_missing_format.vcf",
  "real/1kg_chr22_snpeff41_ann.SnpEff.vcf",
  // All hts-specs 4.1/4.2/4.3 passed files except simple ones: undeclared contigs and
  // INFO/FORMAT tags (their headers declare almost nothing), plus, for
  // complexfile_passed_000, a `##AnalysisTitleBrackets=<"...">` line htslib cannot parse.
  ...["4.1", "4.2", "4.3"].flatMap((v) =>
    [
      "complexfile_passed_000", "passed_body_alt", "passed_body_chrom", "passed_body_filter", "passed_body_id",
      "passed_body_info", "passed_body_pos", "passed_body_qual", "passed_body_ref", "passed_body_samples",
      "passed_fileformat_header_002", "passed_meta_alt", "passed_meta_assembly", "passed_meta_format", "passed_meta_info",
      "passed_meta_pedigree", "passed_meta_pedigreedb", "passed_meta_sample", "passed_ploidy_000", "passed_ploidy_001",
      "passed_symbolic_duplicates", ...(v === "4.3" ? ["passed_meta_meta"] : ["passed_body_format"]),
    ].map((f) => `hts-specs/test/vcf/${v}/passed/${f}.vcf`),
  ),
]);

/**
 * Files that bcftools rejects even as a sites-only copy, and that we reject too.
 * htslib/test/longrefs/index.expected{1,2}.vcf are expected-output fragments with no
 * header at all (no `#CHROM` line).
 */
const BOTH_REJECT = new Set<string>(["htslib/test/longrefs/index.expected1.vcf", "htslib/test/longrefs/index.expected2.vcf"]);

/**
 * Files whose records are not sorted by position: `bcftools norm` buffers records and
 * writes them sorted, while we keep file order (and warn). Compared as sorted lists.
 */
const UNSORTED_INPUT = new Set<string>(["vcf-js/test/data/y-chrom-haploid.vcf", "hts-specs/test/vcf/4.5/passed/zero_length_LAA.vcf"]);

/**
 * htslib 1.16 prints POS 1420065518 for the `<DEL>` record at POS 10010000110 of
 * longrefs/index.vcf (10010000110 mod 2^32; its `<*>` records at the same magnitude
 * print correctly). The file says 10010000110 and so do we; for the comparison our
 * positions ≥ 2^32 in this file are wrapped the same way (unless the peer prints them right).
 */
const POS_WRAPPED_BY_PEER = new Set<string>(["htslib/test/longrefs/index.vcf"]);
const wrap32 = (site: string): string => {
  const c = site.split("\t");
  const pos = Number(c[1]);
  return pos >= 2 ** 32 ? [c[0], pos % 2 ** 32, c[2], c[3]].join("\t") : site;
};

const rel = (f: string): string => path.relative(path.resolve(CONFORMANCE, ".."), f);

describe("conformance with bcftools norm -m -any", () => {
  it("has the corpus and bcftools", () => {
    expect(vcfFiles.length).toBeGreaterThan(120);
    expect(BCFTOOLS_VERSION).toBeDefined();
  });

  for (const file of vcfFiles) {
    const name = rel(file);
    it(name, async () => {
      // POS 0 is legal here: a telomere (passed_body_pos.vcf, passed_body_id.vcf).
      const ours = await readAll(file, {}, { minPos: 0 });
      const direct = bcftoolsSites(file);
      const peer = direct.ok ? direct : bcftoolsSites(sitesOnlyCopy(file));
      const key = name.replace(/^conformance\//, "");
      if (BOTH_REJECT.has(key)) {
        expect(peer.ok).toBe(false);
        expect(ours.ok).toBe(false);
        if (!ours.ok) expect(ours.error).toBeInstanceOf(VcfFormatError);
        return;
      }
      if (PINNED) expect(direct.ok).toBe(!NEEDS_SITES_ONLY.has(key));
      expect(peer.ok).toBe(true);
      if (!ours.ok) throw ours.error;
      expect(ours.sane).toEqual([]);
      if (UNSORTED_INPUT.has(key)) {
        expect(ours.stats.warningMessages.join("\n")).toContain("not sorted");
        expect([...ours.sites].sort()).toEqual([...peer.sites].sort());
      } else if (POS_WRAPPED_BY_PEER.has(key)) {
        expect(ours.sites).toContain("1\t10010000110\tG\t<DEL>");
        expect(peer.sites.includes("1\t10010000110\tG\t<DEL>") ? ours.sites : ours.sites.map(wrap32)).toEqual(peer.sites);
      } else {
        expect(ours.sites).toEqual(peer.sites);
      }
    });
  }

  for (const row of bcfRows) {
    it(`${row.localPath} is BCF: refused with a conversion hint`, async () => {
      const ours = await readAll(path.join(CONFORMANCE, row.localPath));
      expect(ours.ok).toBe(false);
      if (!ours.ok) expect(String(ours.error)).toContain("BCF is not supported; convert with `bcftools view -Oz`");
    });
  }
});
