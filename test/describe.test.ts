import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { annotationLayout } from "../src/vcf/annotations/index.js";
import { describeVariant, displayChromosome, summarizeVariant } from "../src/vcf/describe.js";
import { openVcf } from "../src/vcf/reader.js";
import type { Variant } from "../src/vcf/types.js";
import { headerFromLines, makeVariant } from "./helpers/variant.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, "../../shared/data");

describe("describeVariant", () => {
  const v = makeVariant({ chrom: "17", pos: 43045712, ref: "G", alt: "A" });

  it("writes the seed's form exactly", () => {
    expect(describeVariant(v, { gene: "BRCA1", consequence: "missense_variant", clinicalSignificance: "Pathogenic", source: "clinvar" })).toBe(
      "Variant at chromosome 17 position 43045712 reference allele G to alternate allele A in gene BRCA1 with consequence missense_variant clinical significance Pathogenic",
    );
  });

  it("appends the condition, shows significance underscores as spaces", () => {
    expect(
      describeVariant(v, { gene: "BRCA1", consequence: "missense_variant", clinicalSignificance: "Likely_pathogenic", condition: "Hereditary breast ovarian cancer syndrome", source: "clinvar" }),
    ).toBe(
      "Variant at chromosome 17 position 43045712 reference allele G to alternate allele A in gene BRCA1 with consequence missense_variant clinical significance Likely pathogenic condition Hereditary breast ovarian cancer syndrome",
    );
  });

  it("omits unknown parts", () => {
    expect(describeVariant(v, { source: "none" })).toBe("Variant at chromosome 17 position 43045712 reference allele G to alternate allele A");
    expect(describeVariant(v, { consequence: "intron_variant", source: "vep" })).toBe(
      "Variant at chromosome 17 position 43045712 reference allele G to alternate allele A with consequence intron_variant",
    );
    expect(describeVariant(v, { gene: "TP53", clinicalSignificance: "Benign", source: "clinvar" })).toBe(
      "Variant at chromosome 17 position 43045712 reference allele G to alternate allele A in gene TP53 clinical significance Benign",
    );
  });

  it("drops a chr prefix so chr17 and 17 describe alike", () => {
    const a = { gene: "BRCA1", source: "clinvar" } as const;
    expect(describeVariant(makeVariant({ chrom: "chr17" }), a)).toBe(describeVariant(makeVariant({ chrom: "17" }), a));
    expect(displayChromosome("chrX")).toBe("X");
    expect(displayChromosome("CHR1")).toBe("1");
    expect(displayChromosome("chr")).toBe("chr");
    expect(displayChromosome("NW_009646201.1")).toBe("NW_009646201.1");
  });

  it("writes symbolic and breakend alleles as they are", () => {
    expect(describeVariant(makeVariant({ chrom: "3", pos: 10174235, ref: "C", alt: "<INS>" }), { source: "none" })).toBe(
      "Variant at chromosome 3 position 10174235 reference allele C to alternate allele <INS>",
    );
    expect(describeVariant(makeVariant({ chrom: "2", pos: 321681, ref: "G", alt: "G]17:198982]" }), { source: "none" })).toBe(
      "Variant at chromosome 2 position 321681 reference allele G to alternate allele G]17:198982]",
    );
  });
});

async function readAll(file: string): Promise<{ layout: ReturnType<typeof annotationLayout>; byId: Map<string, Variant> }> {
  const reader = await openVcf(file);
  const byId = new Map<string, Variant>();
  for await (const batch of reader.batches(1000)) for (const v of batch) byId.set(v.variantId, v);
  return { layout: annotationLayout(reader.header), byId };
}

describe("summarizeVariant", () => {
  it("flattens a real ClinVar record with its description", async () => {
    const { layout, byId } = await readAll(path.join(DATA, "real/clinvar_GRCh38_20211025_50rec.ensembl-vep.vcf.gz"));
    expect(summarizeVariant(byId.get("10-47121-T-C")!, layout)).toEqual({
      variantId: "10-47121-T-C",
      chrom: "10",
      pos: 47121,
      id: "977661",
      ref: "T",
      alt: "C",
      kind: "snv",
      qual: null,
      filter: ".",
      gene: "TUBB8",
      consequence: "missense_variant",
      clinicalSignificance: "Likely_pathogenic",
      reviewStatus: "no assertion criteria provided",
      condition: "Oocyte maturation defect 2",
      af: null,
      line: 77, // the record's line in the decompressed file
      source: "clinvar",
      description:
        "Variant at chromosome 10 position 47121 reference allele T to alternate allele C in gene TUBB8 with consequence missense_variant clinical significance Likely pathogenic condition Oocyte maturation defect 2",
    });
    const mt = summarizeVariant(byId.get("MT-578-T-C")!, layout);
    expect(mt.description).toBe(
      "Variant at chromosome MT position 578 reference allele T to alternate allele C in gene MT-TF clinical significance Likely pathogenic condition Juvenile myopathy, encephalopathy, lactic acidosis AND stroke",
    );
  });

  it("keeps QUAL, FILTER and the allele kind; describes a VEP-annotated insertion", async () => {
    const header = headerFromLines(['##INFO=<ID=CLNSIG,Number=.,Type=String,Description="x">']);
    const s = summarizeVariant(makeVariant({ header, chrom: "chr2", pos: 5, ref: "A", alt: "AT", qual: 50.5, filter: ["LowQual", "q10"], info: { CLNSIG: "Benign" } }), annotationLayout(header));
    expect(s).toMatchObject({ chrom: "chr2", kind: "indel", qual: 50.5, filter: "LowQual;q10", clinicalSignificance: "Benign", gene: null, af: null });
    expect(s.description).toBe("Variant at chromosome 2 position 5 reference allele A to alternate allele AT clinical significance Benign");

    const { layout, byId } = await readAll(path.join(DATA, "real/exac_GRCh37_chr1_vep77_csq.vcfanno.vcf.gz"));
    const ins = summarizeVariant(byId.get("1-69745-C-CA")!, layout);
    expect(ins).toMatchObject({ kind: "indel", qual: 622.62, filter: "VQSRTrancheINDEL99.50to99.90", gene: "OR4F5", consequence: "frameshift_variant", source: "vep" });
    expect(ins.description).toBe("Variant at chromosome 1 position 69745 reference allele C to alternate allele CA in gene OR4F5 with consequence frameshift_variant");
  });
});
