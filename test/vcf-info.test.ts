/**
 * Record and INFO semantics: typing by the header, Number=A/R/G slicing after the
 * multi-allelic split, Flags, missing values, percent-decoding, allele kinds and the
 * reference-only rules.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { alleleKind, decodePercent, openVcfStream, parseStructured, type VcfVariant } from "../src/vcf/index.js";

const HEADER = [
  "##fileformat=VCFv4.3",
  "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">",
  "##INFO=<ID=AF,Number=A,Type=Float,Description=\"Allele freq, \\\"quoted\\\", with commas\">",
  "##INFO=<Description=\"Allelic depths\",Type=Integer,ID=AD,Number=R>",
  "##INFO=<ID=PL,Number=G,Type=Integer,Description=\"Genotype likelihoods\">",
  "##INFO=<ID=DB,Number=0,Type=Flag,Description=\"dbSNP\">",
  "##INFO=<ID=NOTE,Number=1,Type=String,Description=\"Note\">",
  "##INFO=<ID=TAGS,Number=.,Type=String,Description=\"Tags\">",
  "##INFO=<ID=MQ,Number=1,Type=Float,Description=\"Mapping quality\">",
  "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
];

async function read(lines: string[], chunk?: number): Promise<{ variants: VcfVariant[]; stats: import("../src/vcf/index.js").ReaderStats }> {
  const bytes = Buffer.from(lines.join("\n"));
  const parts: Buffer[] = [];
  const size = chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  const reader = await openVcfStream(Readable.from(parts), "mem.vcf");
  const variants: VcfVariant[] = [];
  for await (const v of reader) variants.push(v);
  return { variants, stats: reader.stats };
}

describe("INFO typing and multi-allelic split", () => {
  const rec = "1\t100\trs1\tA\tC,G,T\t50\tPASS\tDP=10;AF=0.1,0.2,0.3;AD=5,1,2,3;PL=0,1,2,3,4,5,6,7,8,9;DB;MQ=NaN";

  it("splits one record into one variant per ALT with its index", async () => {
    const { variants, stats } = await read([...HEADER, rec, ""]);
    expect(variants.map((v) => [v.variantId, v.altIndex, v.altCount, v.line])).toEqual([
      ["1-100-A-C", 0, 3, 11],
      ["1-100-A-G", 1, 3, 11],
      ["1-100-A-T", 2, 3, 11],
    ]);
    expect(stats.records).toBe(1);
    expect(stats.variants).toBe(3);
  });

  it("slices Number=A to a scalar and Number=R to [REF, ALT]", async () => {
    const { variants } = await read([...HEADER, rec]);
    expect(variants.map((v) => v.info("AF"))).toEqual([0.1, 0.2, 0.3]);
    expect(variants.map((v) => v.info("AD"))).toEqual([[5, 1], [5, 2], [5, 3]]);
  });

  it("slices Number=G to the diploid genotypes 0/0, 0/a, a/a", async () => {
    const { variants } = await read([...HEADER, rec]);
    expect(variants.map((v) => v.info("PL"))).toEqual([[0, 1, 2], [0, 3, 5], [0, 6, 9]]);
  });

  it("reads Flags, Integers, NaN Floats and absent keys", async () => {
    const { variants } = await read([...HEADER, rec]);
    const v = variants[0] as VcfVariant;
    expect(v.info("DB")).toBe(true);
    expect(v.info("DP")).toBe(10);
    expect(Number.isNaN(v.info("MQ"))).toBe(true);
    expect(v.info("NOPE")).toBeUndefined();
    expect(v.infoKeys()).toEqual(["DP", "AF", "AD", "PL", "DB", "MQ"]);
    expect([v.id, v.qual, v.filter]).toEqual(["rs1", 50, ["PASS"]]);
  });

  it("reads every Float spelling: plain, exponent, trailing point, inf, infinity, nan", async () => {
    const spellings: [string, number][] = [["1.", 1], [".5", 0.5], ["-1e-3", -0.001], ["5E2", 500], ["+7", 7], ["Inf", Infinity], ["-inf", -Infinity], ["infinity", Infinity], ["+Infinity", Infinity]];
    const lines = spellings.map(([text], i) => `1\t${300 + i}\t.\tG\tA\t.\t.\tMQ=${text}`);
    const { variants } = await read([...HEADER, ...lines, "1\t400\t.\tG\tA\t.\t.\tMQ=+nan"]);
    expect(variants.slice(0, spellings.length).map((v) => v.info("MQ"))).toEqual(spellings.map(([, n]) => n));
    expect(Number.isNaN(variants[spellings.length]!.info("MQ"))).toBe(true);
  });

  it("turns '.' into null, alone and inside lists", async () => {
    const { variants } = await read([...HEADER, "1\t200\t.\tG\tA\t.\t.\tDP=.;AF=.;NOTE=.;TAGS=.,q"]);
    const v = variants[0] as VcfVariant;
    expect([v.info("DP"), v.info("AF"), v.info("NOTE"), v.info("TAGS")]).toEqual([null, null, null, [null, "q"]]);
    expect([v.id, v.qual, v.filter]).toEqual(["", null, []]);
  });

  it("percent-decodes String values after splitting lists", async () => {
    const { variants } = await read([...HEADER, "1\t1\t.\tG\tA\t.\t.\tNOTE=a%3Bb%2Cc%3Dd%25e%3Af%09g%0Dh%0Ai;TAGS=x%2Cy,z,50%"]);
    const v = variants[0] as VcfVariant;
    expect(v.info("NOTE")).toBe("a;b,c=d%e:f\tg\rh\ni");
    expect(v.info("TAGS")).toEqual(["x,y", "z", "50%"]);
    expect(decodePercent("%3a%3b")).toBe(":;");
  });

  it("keeps values that do not fit their Type as text and warns once per key", async () => {
    const { variants, stats } = await read([...HEADER, "1\t1\t.\tG\tA\t.\t.\tDP=abc;DB=1", "1\t2\t.\tG\tA\t.\t.\tDP=x1"]);
    expect(variants.map((v) => v.info("DP"))).toEqual(["abc", "x1"]);
    expect(variants[0]?.info("DB")).toBe(true);
    expect(stats.warningMessages.filter((m) => m.includes("INFO DP"))).toHaveLength(1);
    expect(stats.warningMessages.some((m) => m.includes("Flag DB has a value"))).toBe(true);
  });

  it("reads undeclared keys as String (Flag when bare) with a warning", async () => {
    const { variants, stats } = await read([...HEADER, "1\t1\t.\tG\tA\t.\t.\tXU=7;XF"]);
    const v = variants[0] as VcfVariant;
    expect([v.info("XU"), v.info("XF")]).toEqual(["7", true]);
    expect(stats.warnings).toBe(2);
  });

  it("keeps a whole list whose count does not fit Number=A, with a warning", async () => {
    const { variants, stats } = await read([...HEADER, "1\t1\t.\tG\tA,C\t.\t.\tAF=0.5"]);
    expect(variants.map((v) => v.info("AF"))).toEqual([[0.5], [0.5]]);
    expect(stats.warningMessages.join()).toContain("INFO AF (Number=A) has 1 value(s) for 2 ALT allele(s)");
  });

  it("parses header definitions in any key order, with escaped quotes", async () => {
    const reader = await openVcfStream(Readable.from([Buffer.from([...HEADER, ""].join("\n"))]), "h.vcf");
    expect(reader.header.info.get("AD")).toEqual({ id: "AD", number: "R", type: "Integer", description: "Allelic depths" });
    expect(reader.header.info.get("AF")?.description).toBe('Allele freq, "quoted", with commas');
    expect(reader.header.fileformat).toBe("VCFv4.3");
    expect(parseStructured('<ID=X,Values=[a, b],Description="c,d">')).toEqual({ ok: true, fields: new Map([["ID", "X"], ["Values", "[a, b]"], ["Description", "c,d"]]) });
  });
});

describe("alleles", () => {
  it("classifies every ALT spelling", () => {
    expect(alleleKind("A", "G")).toBe("snv");
    expect(alleleKind("AC", "GT")).toBe("mnv");
    expect(alleleKind("ACG", "A")).toBe("indel");
    expect(alleleKind("A", "ACG")).toBe("indel");
    expect(alleleKind("AC", "GTT")).toBe("complex");
    expect(alleleKind("A", "<DEL>")).toBe("symbolic");
    expect(alleleKind("A", "<INS:ME:ALU>")).toBe("symbolic");
    for (const bnd of ["G]17:198982]", "]13:123456]T", "C[2:321682[", "[17:198983[A", ".A", "A."]) expect(alleleKind("A", bnd)).toBe("breakend");
    expect(alleleKind("A", "*")).toBe("overlapping_deletion");
  });

  it("skips reference-only sites and gVCF reference blocks, counting them", async () => {
    const { variants, stats } = await read([
      ...HEADER,
      "1\t1\t.\tA\t.\t.\t.\t.",
      "1\t2\t.\tA\t<*>\t.\t.\t.",
      "1\t3\t.\tA\tG,<NON_REF>\t.\t.\tAF=0.1,0.9",
      "1\t4\t.\tA\t*,<DEL>,C]2:5]\t.\t.\t.",
    ]);
    expect(variants.map((v) => `${v.variantId} ${v.kind} ${v.altIndex}/${v.altCount}`)).toEqual([
      "1-3-A-G snv 0/2",
      "1-4-A-* overlapping_deletion 0/3",
      "1-4-A-<DEL> symbolic 1/3",
      "1-4-A-C]2:5] breakend 2/3",
    ]);
    expect(variants[0]?.info("AF")).toBe(0.1);
    expect(stats.records).toBe(4);
    expect(stats.skippedReferenceOnly).toBe(3);
  });
});

describe("line handling", () => {
  const lines = [...HEADER, "1\t1\t.\tG\tA\t.\t.\tNOTE=café", "2\t5\t.\tT\tC\t.\t.\tNOTE=Ångström;DP=3"];
  const expected = ["1-1-G-A café 11", "2-5-T-C Ångström 12"];
  const summary = (vs: VcfVariant[]): string[] => vs.map((v) => `${v.variantId} ${String(v.info("NOTE"))} ${v.line}`);

  it("accepts CRLF line endings and a missing final newline", async () => {
    const crlf = await openVcfStream(Readable.from([Buffer.from(lines.join("\r\n"))]), "crlf.vcf");
    const out: VcfVariant[] = [];
    for await (const v of crlf) out.push(v);
    expect(summary(out)).toEqual(expected);
    expect(out[1]?.info("DP")).toBe(3);
  });

  it("decodes UTF-8 and joins lines split across chunks at any byte", async () => {
    for (const size of [1, 2, 3, 7, 64]) {
      const { variants } = await read(lines, size);
      expect(summary(variants)).toEqual(expected);
    }
  });
});
