/**
 * Region reads through .tbi and .csi indexes, compared with `tabix FILE REGION`, plus the
 * errors for inputs that cannot be read by region.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { VcfAgentError } from "../src/errors.js";
import { REGION_HINT, openVcf, parseRegion, type ReadOptions } from "../src/vcf/index.js";
import { openTabix, regionLines } from "../src/vcf/tabix.js";
import { CONFORMANCE, REAL, scratchDir } from "./_vcf-corpus.js";

const CLINVAR = path.join(REAL, "clinvar_GRCh38_20211025_50rec.ensembl-vep.vcf.gz");
const MULTI = path.join(CONFORMANCE, "cyvcf2/cyvcf2/tests/multi-contig.vcf.gz");

/** Data lines tabix returns for `region`, as `chrom:pos`. */
function tabixSites(file: string, region: string, index?: string): string[] {
  const args = index === undefined ? [file, region] : ["--csi", file, region];
  const out = execFileSync("tabix", args, { encoding: "utf8" });
  return out.split("\n").filter((l) => l.length > 0).map((l) => l.split("\t").slice(0, 2).join(":"));
}

/** Records we read for `region`: `chrom:pos` once per record (variants of one record share it). */
async function ourSites(file: string, options: ReadOptions): Promise<{ sites: string[]; records: number; warnings: readonly string[] }> {
  const reader = await openVcf(file, options);
  const sites: string[] = [];
  for await (const v of reader) if (v.altIndex === 0 || sites.at(-1) !== `${v.chrom}:${v.pos}`) sites.push(`${v.chrom}:${v.pos}`);
  return { sites, records: reader.stats.records, warnings: reader.stats.warningMessages };
}

describe("region reads", () => {
  it("match tabix on a .tbi-indexed file", async () => {
    const regions = ["1", "1:925952", "1:925953-930139", "2:264,985-265,015", "X", "MT", "17:1-", "22:1-50000000", "7:192800-192800"];
    for (const region of regions) {
      const expected = tabixSites(CLINVAR, region);
      const ours = await ourSites(CLINVAR, { region });
      expect(ours.records, region).toBe(expected.length);
      expect(ours.sites, region).toEqual(expected);
    }
  });

  it("match tabix on a .csi-indexed file, given with indexPath or found next to the file", async () => {
    const csi = `${MULTI}.csi`;
    const copy = path.join(scratchDir(), "multi-contig.vcf.gz");
    copyFileSync(MULTI, copy);
    copyFileSync(csi, `${copy}.csi`); // only a .csi next to this copy
    for (const region of ["19", "20:14000-1230237", "20:1234567", "X:10-10", "20", "19:112-"]) {
      const expected = tabixSites(MULTI, region, csi);
      expect(expected.length, region).toBeGreaterThan(0);
      const lines = (await ourSites(MULTI, { region, indexPath: csi })).records;
      expect(lines, region).toBe(expected.length);
      expect((await ourSites(copy, { region })).records, region).toBe(expected.length);
    }
  });

  it("reads each record once when the region spans several windows", async () => {
    // 30,000 records on one contig; records overlap later windows through END, which must not repeat them.
    const dir = scratchDir();
    const lines = ["##fileformat=VCFv4.2", "##contig=<ID=7,length=200000000>", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"];
    for (let i = 0; i < 30_000; i++) lines.push(`7\t${1000 + i * 5000}\t.\tA\tC\t.\t.\tEND=${1000 + i * 5000 + (i % 7) * 9000}`);
    const plain = path.join(dir, "dense.vcf");
    writeFileSync(plain, `${lines.join("\n")}\n`);
    execFileSync("bgzip", ["-f", "-l", "1", plain]);
    execFileSync("tabix", ["-f", "-p", "vcf", `${plain}.gz`]);
    for (const region of ["7", "7:30000000-90000000"]) {
      const expected = tabixSites(`${plain}.gz`, region);
      expect((await ourSites(`${plain}.gz`, { region })).sites, region).toEqual(expected);
      // The same region read in small windows (~2,000 lines each): same lines, none twice.
      const src = await openTabix(`${plain}.gz`, region);
      const parsed = parseRegion(region, plain);
      let windows = 0;
      const got: string[] = [];
      for await (const batch of regionLines(src, parsed, 200_000_000, undefined, { budgetBytes: 16 << 10, targetLines: 2000 })) {
        windows++;
        for (const l of batch) got.push(l.split("\t").slice(0, 2).join(":"));
      }
      expect(windows, region).toBeGreaterThan(2);
      expect(got, region).toEqual(expected);
    }
  });

  it("reads the records that start in each shard's region once, where the density jumps and long records sit in high bins", async () => {
    // Contig 1: sparse, then 60,000 records 10 bases apart, runs of one POS, and records whose END
    // spans megabases (indexed in high-level bins); contig 2 after it. Shard regions read by start
    // (regionStartsWithin) must give each record exactly once, in file order, whatever the cut.
    const dir = scratchDir();
    const lines = ["##fileformat=VCFv4.2", "##contig=<ID=1,length=50000000>", "##contig=<ID=2,length=50000000>", '##INFO=<ID=END,Number=1,Type=Integer,Description="End">', "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"];
    const sites: string[] = [];
    const add = (chrom: string, pos: number, info = "."): void => {
      lines.push(`${chrom}\t${pos}\t.\tA\tC\t.\t.\t${info}`);
      sites.push(`${chrom}:${pos}`);
    };
    for (let p = 1000; p < 10_000_000; p += 10_000) add("1", p, p % 1_000_000 === 1000 ? `END=${p + 3_000_000}` : ".");
    for (let i = 0; i < 60_000; i++) {
      const p = 10_000_000 + i * 10;
      add("1", p);
      if (i % 1000 === 0) add("1", p, `END=${p + 2_000_000}`);
    }
    for (let p = 20_000_000; p < 40_000_000; p += 4000) add("1", p);
    for (let p = 500; p < 5_000_000; p += 1000) add("2", p);
    const plain = path.join(dir, "skewed.vcf");
    writeFileSync(plain, `${lines.join("\n")}\n`);
    execFileSync("bgzip", ["-f", plain]);
    execFileSync("tabix", ["-f", "-p", "vcf", `${plain}.gz`]);
    const gz = `${plain}.gz`;
    const cuts: string[][] = [
      ["1", "2"],
      ["1:1-10000000", "1:10000001-10300000", "1:10300001-", "2:1-2500500", "2:2500501-"],
      // A cut inside a run of one POS would split the run: cuts fall between positions.
      ["1:1-10000010", "1:10000011-10000019", "1:10000020-"],
    ];
    for (const shards of cuts) {
      const got: string[] = [];
      for (const region of shards) {
        const ours = await ourSites(gz, { region, regionStartsWithin: true });
        const r = parseRegion(region, gz);
        const inside = sites.filter((s) => {
          const [c, p] = s.split(":") as [string, string];
          return c === r.chrom && Number(p) >= r.start && Number(p) <= (r.end ?? Infinity);
        });
        expect(ours.records, region).toBe(inside.length);
        expect(ours.sites, region).toEqual(inside);
        got.push(...ours.sites);
      }
      if (shards[0] === "1" || shards.length > 3) expect(got).toEqual(sites);
    }
  });

  it("handles contig names with ':' like tabix, with {braces}", async () => {
    const gz = path.join(scratchDir(), "weird-chr-names.vcf");
    copyFileSync(path.join(CONFORMANCE, "htslib/test/bcf-sr/weird-chr-names.vcf"), gz);
    execFileSync("bgzip", ["-f", gz]);
    execFileSync("tabix", ["-f", "-p", "vcf", `${gz}.gz`]);
    for (const region of ["1", "{1:1}", "{1:1-1}:1-1", "1:1-1:2"]) {
      expect((await ourSites(`${gz}.gz`, { region })).sites, region).toEqual(tabixSites(`${gz}.gz`, region));
    }
    await expect(openVcf(`${gz}.gz`, { region: "1:1" })).rejects.toThrow("is ambiguous; write {1:1} or {1}:1");
  });

  it("returns nothing, with a warning, for a contig the index does not know", async () => {
    const ours = await ourSites(CLINVAR, { region: "chrUn:1-100" });
    expect(ours.sites).toEqual([]);
    expect(ours.warnings.join("\n")).toContain("contig 'chrUn' is not in the index");
  });

  it("explains what is missing when a region cannot be read", async () => {
    const plain = path.join(CONFORMANCE, "cyvcf2/cyvcf2/tests/test.snpeff.vcf");
    const err = await openVcf(plain, { region: "1:1-10" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VcfAgentError);
    expect((err as VcfAgentError).code).toBe("VCF_REGION");
    expect((err as Error).message).toBe(`${plain}: region '1:1-10': the file is not compressed; ${REGION_HINT}`);

    const gz = path.join(scratchDir(), "plain-gzip.vcf.gz");
    writeFileSync(gz, execFileSync("gzip", ["-c", plain]));
    await expect(openVcf(gz, { region: "1" })).rejects.toThrow(`${gz}: region '1': the file is gzip- but not bgzip-compressed; ${REGION_HINT}`);

    const noIndex = path.join(scratchDir(), "no-index.vcf.gz");
    copyFileSync(CLINVAR, noIndex);
    await expect(openVcf(noIndex, { region: "1" })).rejects.toThrow(`no index found (looked for ${noIndex}.tbi or ${noIndex}.csi)`);
    await expect(openVcf("-", { region: "1" })).rejects.toThrow("cannot read a region from stdin");
  });

  it("parses region strings like samtools", () => {
    expect(parseRegion("chr17:43,044,295-43,125,483", "f")).toEqual({ chrom: "chr17", start: 43044295, end: 43125483 });
    expect(parseRegion("17:100-", "f")).toEqual({ chrom: "17", start: 100, end: undefined });
    expect(parseRegion("17:100", "f")).toEqual({ chrom: "17", start: 100, end: undefined });
    expect(parseRegion("HLA-A*01:01", "f", new Set(["HLA-A*01:01"]))).toEqual({ chrom: "HLA-A*01:01", start: 1, end: undefined });
    expect(() => parseRegion("17:200-100", "f.vcf.gz")).toThrow("f.vcf.gz: region '17:200-100': end 100 must be an integer ≥ start");
    expect(() => parseRegion("17:0-5", "f")).toThrow("start 0 must be a positive integer");
    expect(() => parseRegion("17:abc", "f", new Set(["17"]))).toThrow("expected CHROM, CHROM:START-END");
  });
});
