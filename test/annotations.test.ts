import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { annotate, annotationLayout, STANDARD_ANN_FIELDS, type AnnotationLayout } from "../src/vcf/annotations/index.js";
import { consequenceRank, mostSevere, soTerm } from "../src/vcf/consequences.js";
import { openVcf } from "../src/vcf/reader.js";
import type { Variant, VcfHeader } from "../src/vcf/types.js";
import { headerFromLines, makeHeader, makeVariant } from "./helpers/variant.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, "../../shared/data");
const CLINVAR = path.join(DATA, "real/clinvar_GRCh38_20211025_50rec.ensembl-vep.vcf.gz");
const EXAC = path.join(DATA, "real/exac_GRCh37_chr1_vep77_csq.vcfanno.vcf.gz");
const SNPEFF = path.join(DATA, "real/1kg_chr22_snpeff41_ann.SnpEff.vcf");
const EFF = path.join(DATA, "conformance/cyvcf2/cyvcf2/tests/test.snpeff.vcf");

async function readAll(file: string): Promise<{ header: VcfHeader; byId: Map<string, Variant>; variants: Variant[] }> {
  const reader = await openVcf(file);
  const variants: Variant[] = [];
  for await (const batch of reader.batches(1000)) variants.push(...batch);
  return { header: reader.header, variants, byId: new Map(variants.map((v) => [v.variantId, v])) };
}

const CSQ_HEADER =
  '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature|CANONICAL|PICK|HGVSc|HGVSp">';
const ANN_HEADER = `##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO' ">`;
const CLINVAR_HEADER = [
  '##INFO=<ID=GENEINFO,Number=1,Type=String,Description="Gene(s)">',
  '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance">',
  '##INFO=<ID=CLNDN,Number=.,Type=String,Description="Disease name">',
  '##INFO=<ID=MC,Number=.,Type=String,Description="Molecular consequence">',
  '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
  '##INFO=<ID=AF_EXAC,Number=1,Type=Float,Description="ExAC">',
  '##INFO=<ID=AF_ESP,Number=1,Type=Float,Description="ESP">',
];

describe("annotationLayout", () => {
  it("reads CSQ subfield names after 'Format:'", () => {
    const layout = annotationLayout(headerFromLines([CSQ_HEADER]));
    expect(layout.csq).toEqual(["Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature", "CANONICAL", "PICK", "HGVSc", "HGVSp"]);
    expect(layout.ann).toBeUndefined();
    expect(layout.eff).toBeUndefined();
  });

  it("reads ANN names from the quoted list and falls back to the standard 16", () => {
    expect(annotationLayout(headerFromLines([ANN_HEADER])).ann).toEqual(STANDARD_ANN_FIELDS);
    const custom = annotationLayout(headerFromLines([`##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: 'Allele | Annotation | Gene_Name'">`]));
    expect(custom.ann).toEqual(["Allele", "Annotation", "Gene_Name"]);
    const bare = annotationLayout(makeHeader({ ANN: { description: "SnpEff annotations" } }));
    expect(bare.ann).toEqual(STANDARD_ANN_FIELDS);
    expect(STANDARD_ANN_FIELDS).toHaveLength(16);
  });

  it("detects EFF and reads the names inside its parentheses", async () => {
    const { header } = await readAll(EFF);
    const layout = annotationLayout(header);
    expect(layout.eff).toBe(true);
    expect(layout.effFields?.slice(0, 6)).toEqual(["Effect_Impact", "Functional_Class", "Codon_Change", "Amino_Acid_change", "Amino_Acid_length", "Gene_Name"]);
  });

  it("reads the real files' layouts", async () => {
    const exac = annotationLayout((await readAll(EXAC)).header);
    expect(exac.csq?.slice(0, 5)).toEqual(["Allele", "Gene", "Feature", "Feature_type", "Consequence"]);
    expect(exac.csq).toHaveLength(49);
    expect(exac.csq?.at(-1)).toBe("LoF");
    expect(annotationLayout((await readAll(SNPEFF)).header).ann).toEqual(STANDARD_ANN_FIELDS);
    expect(annotationLayout((await readAll(CLINVAR)).header)).toEqual({});
  });
});

describe("consequence severity", () => {
  it("orders SO terms as VEP does and maps aliases", () => {
    expect(consequenceRank("stop_gained")).toBeLessThan(consequenceRank("missense_variant"));
    expect(consequenceRank("missense_variant")).toBeLessThan(consequenceRank("synonymous_variant"));
    expect(consequenceRank("synonymous_variant")).toBeLessThan(consequenceRank("intron_variant"));
    expect(consequenceRank("intron_variant")).toBeLessThan(consequenceRank("intergenic_variant"));
    expect(consequenceRank("made_up_term")).toBeGreaterThan(consequenceRank("sequence_variant"));
    expect(soTerm("nonsense")).toBe("stop_gained");
    expect(soTerm("NON_SYNONYMOUS_CODING")).toBe("missense_variant");
    expect(mostSevere("splice_region_variant&intron_variant&missense_variant", "&")).toBe("missense_variant");
  });
});

describe("annotate: ClinVar INFO", () => {
  const header = headerFromLines(CLINVAR_HEADER);
  const layout = annotationLayout(header);
  const clinvar = (info: Record<string, string | number | true>, extra: Partial<Parameters<typeof makeVariant>[0]> = {}) =>
    annotate(makeVariant({ header, info, ...extra }), layout);

  it("takes the first gene of GENEINFO, CLNSIG verbatim, the most severe MC term, the first informative CLNDN", () => {
    const a = clinvar({
      GENEINFO: "BRCA1:672|NBR2:10230",
      CLNSIG: "Pathogenic/Likely_pathogenic",
      MC: "SO:0001619|non-coding_transcript_variant,SO:0001583|missense_variant",
      CLNDN: "not_provided|Hereditary_breast_ovarian_cancer_syndrome|Breast-ovarian_cancer,_familial_1",
    });
    expect(a).toEqual({
      source: "clinvar",
      gene: "BRCA1",
      geneId: "672",
      consequence: "missense_variant",
      impact: "MODERATE",
      clinicalSignificance: "Pathogenic/Likely_pathogenic",
      condition: "Hereditary breast ovarian cancer syndrome",
    });
  });

  it("keeps CLNSIG parts split by commas, maps ClinVar's 'nonsense' to stop_gained, leaves uninformative conditions out", () => {
    const a = clinvar({ CLNSIG: "Benign/Likely_benign,_other", MC: "SO:0001587|nonsense,SO:0001627|intron_variant", CLNDN: "not_specified|not_provided" });
    expect(a.clinicalSignificance).toBe("Benign/Likely_benign,_other");
    expect(a.consequence).toBe("stop_gained");
    expect(a.impact).toBe("HIGH");
    expect(a.condition).toBeUndefined();
    expect(a.gene).toBeUndefined();
  });

  it("reads AF (sliced to this ALT) before AF_EXAC before AF_ESP", () => {
    expect(clinvar({ CLNSIG: "Benign", AF: "0.1,0.2", AF_EXAC: 0.3 }, { alt: "T", altIndex: 1, altCount: 2 }).af).toBe(0.2);
    expect(clinvar({ CLNSIG: "Benign", AF_ESP: 0.4, AF_EXAC: 0.3 }).af).toBe(0.3);
    expect(clinvar({ CLNSIG: "Benign", AF_ESP: 0.4 }).af).toBe(0.4);
    expect(clinvar({ CLNSIG: "Benign", AF: "." }).af).toBeUndefined();
  });

  it("says 'none' when a variant has no annotation", () => {
    expect(annotate(makeVariant({ header, info: { DP: 10 } }), layout)).toEqual({ source: "none" });
  });
});

describe("annotate: VEP CSQ", () => {
  const header = headerFromLines([CSQ_HEADER, ...CLINVAR_HEADER]);
  const layout = annotationLayout(header);

  it("picks CANONICAL=YES over a more severe non-canonical entry, and the most severe &-joined term", () => {
    const csq = [
      "A|stop_gained|HIGH|GENE1|ENSG1|ENST1|||c.1C>T|p.Gln1Ter",
      "A|splice_region_variant&missense_variant|MODERATE|GENE1|ENSG1|ENST2|YES||c.2C>T|p.Arg2Cys",
    ].join(",");
    const a = annotate(makeVariant({ header, ref: "G", alt: "A", info: { CSQ: csq } }), layout);
    expect(a).toMatchObject({ source: "vep", gene: "GENE1", geneId: "ENSG1", consequence: "missense_variant", impact: "MODERATE", hgvsC: "c.2C>T", hgvsP: "p.Arg2Cys" });
  });

  it("prefers PICK=1, then severity among equals", () => {
    const csq = "A|intron_variant|MODIFIER|G2|E2|T1|YES||,A|5_prime_UTR_variant|MODIFIER|G3|E3|T2||1|,A|missense_variant|MODERATE|G4|E4|T3||,";
    expect(annotate(makeVariant({ header, info: { CSQ: csq } }), layout).gene).toBe("G3");
    const noFlags = "A|intron_variant|MODIFIER|G2|E2|T1|||,A|missense_variant|MODERATE|G4|E4|T3|||";
    expect(annotate(makeVariant({ header, info: { CSQ: noFlags } }), layout).gene).toBe("G4");
  });

  it("matches VEP's trimmed alleles: '-' for a deletion, the inserted bases for an insertion", () => {
    const csq = "-|frameshift_variant|HIGH|DEL1|E1|T1|YES||c.5del|,TCT|frameshift_variant&inframe_insertion|HIGH|INS1|E2|T2|YES||c.6_7insCT|";
    const del = makeVariant({ header, ref: "AT", alt: "A", altIndex: 0, altCount: 2, info: { CSQ: csq } });
    const ins = makeVariant({ header, ref: "AT", alt: "ATCT", altIndex: 1, altCount: 2, info: { CSQ: csq } });
    expect(annotate(del, layout)).toMatchObject({ gene: "DEL1", consequence: "frameshift_variant", hgvsC: "c.5del" });
    expect(annotate(ins, layout)).toMatchObject({ gene: "INS1", consequence: "frameshift_variant", hgvsC: "c.6_7insCT" });
  });

  it("gives each ALT of a multi-allelic record its own entries and ignores entries of other ALTs", () => {
    const csq = "T|missense_variant|MODERATE|GA|E1|T1|YES||,C|synonymous_variant|LOW|GA|E1|T1|YES||";
    expect(annotate(makeVariant({ header, ref: "G", alt: "T", altIndex: 0, altCount: 2, info: { CSQ: csq } }), layout).consequence).toBe("missense_variant");
    expect(annotate(makeVariant({ header, ref: "G", alt: "C", altIndex: 1, altCount: 2, info: { CSQ: csq } }), layout).consequence).toBe("synonymous_variant");
    expect(annotate(makeVariant({ header, ref: "G", alt: "A", altIndex: 1, altCount: 2, info: { CSQ: csq } }), layout).source).toBe("none");
  });

  it("lets ClinVar values win and VEP fill in the rest", () => {
    const a = annotate(
      makeVariant({ header, info: { GENEINFO: "BRCA1:672", CLNSIG: "Pathogenic", MC: "SO:0001583|missense_variant", CSQ: "A|stop_gained|HIGH|NBR2|ENSG9|T1|YES||c.9C>T|p.Gln3Ter" } }),
      layout,
    );
    expect(a).toMatchObject({ source: "clinvar+vep", gene: "BRCA1", geneId: "672", consequence: "missense_variant", impact: "MODERATE", clinicalSignificance: "Pathogenic", hgvsC: "c.9C>T", hgvsP: "p.Gln3Ter" });
  });
});

describe("annotate: SnpEff ANN and EFF", () => {
  it("takes the first ANN entry of this ALT (SnpEff sorts most severe first)", () => {
    const header = headerFromLines([ANN_HEADER]);
    const layout = annotationLayout(header);
    const ann = "C|synonymous_variant|LOW|G1|E1|transcript|T1|protein_coding|1/2|c.3A>C|p.Ala1Ala||||,T|stop_gained&splice_region_variant|HIGH|G2|E2|transcript|T2|protein_coding|1/2|c.3A>T|p.Lys1*||||,T|missense_variant|MODERATE|G1|E1|transcript|T1|protein_coding|1/2|c.3A>T|p.Lys1Met||||";
    const t = annotate(makeVariant({ header, ref: "A", alt: "T", altIndex: 1, altCount: 2, info: { ANN: ann } }), layout);
    expect(t).toEqual({ source: "snpeff", gene: "G2", geneId: "E2", consequence: "stop_gained", impact: "HIGH", hgvsC: "c.3A>T", hgvsP: "p.Lys1*" });
    const c = annotate(makeVariant({ header, ref: "A", alt: "C", altIndex: 0, altCount: 2, info: { ANN: ann } }), layout);
    expect(c.consequence).toBe("synonymous_variant");
  });

  it("picks the most severe EFF entry and maps old effect names to SO terms", () => {
    const header = headerFromLines([`##INFO=<ID=EFF,Number=.,Type=String,Description="Predicted effects for this variant.Format: 'Effect ( Effect_Impact | Functional_Class | Codon_Change | Amino_Acid_change| Amino_Acid_length | Gene_Name | Gene_BioType | Coding | Transcript | Exon [ | ERRORS | WARNINGS ] )' ">`]);
    const layout: AnnotationLayout = annotationLayout(header);
    const eff = "DOWNSTREAM(MODIFIER|||||G0|protein_coding|CODING|T0|),STOP_GAINED(HIGH|NONSENSE|Cag/Tag|p.Gln5*|305|G1|protein_coding|CODING|T1|1),NON_SYNONYMOUS_CODING(MODERATE|MISSENSE|tTt/tGt|F113C|305|G2|protein_coding|CODING|T2|1)";
    expect(annotate(makeVariant({ header, info: { EFF: eff } }), layout)).toEqual({ source: "snpeff", gene: "G1", consequence: "stop_gained", impact: "HIGH", hgvsP: "p.Gln5*" });
  });
});

describe("annotate on real files", () => {
  it("ClinVar GRCh38 (50 records): concrete values and the CLNSIG tally of the manifest", async () => {
    const { header, variants, byId } = await readAll(CLINVAR);
    const layout = annotationLayout(header);
    expect(variants).toHaveLength(50);
    const all = variants.map((v) => annotate(v, layout));
    expect(all.every((a) => a.source === "clinvar")).toBe(true);
    const tally: Record<string, number> = {};
    for (const a of all) tally[a.clinicalSignificance!] = (tally[a.clinicalSignificance!] ?? 0) + 1;
    expect(tally).toEqual({ Benign: 23, Likely_benign: 12, not_provided: 5, Pathogenic: 5, Uncertain_significance: 3, Likely_pathogenic: 2 });
    expect(all.filter((a) => a.gene !== undefined)).toHaveLength(48);

    expect(annotate(byId.get("10-47121-T-C")!, layout)).toEqual({
      source: "clinvar", gene: "TUBB8", geneId: "347688", consequence: "missense_variant", impact: "MODERATE",
      clinicalSignificance: "Likely_pathogenic", condition: "Oocyte maturation defect 2", reviewStatus: "no assertion criteria provided",
    });
    // MC=SO:0001587|nonsense; AF_EXAC preferred over AF_ESP.
    expect(annotate(byId.get("13-19852035-G-C")!, layout)).toMatchObject({ gene: "ZMYM5", consequence: "stop_gained", impact: "HIGH", af: 0.00258 });
    // missense_variant beats non-coding_transcript_variant; no AF_EXAC, so AF_ESP.
    expect(annotate(byId.get("2-264985-G-T")!, layout)).toMatchObject({ gene: "ACP1", geneId: "52", consequence: "missense_variant", af: 0.00569 });
    expect(annotate(byId.get("8-1565843-C-A")!, layout)).toMatchObject({ gene: "DLGAP2", geneId: "9228" });
    expect(annotate(byId.get("16-51636-G-A")!, layout).condition).toBe("LEUKODYSTROPHY, HYPOMYELINATING, 21");
    expect(annotate(byId.get("X-624388-T-TTTG")!, layout)).toMatchObject({ gene: "SHOX", clinicalSignificance: "Pathogenic", condition: "Short stature, idiopathic, X-linked", consequence: "5_prime_UTR_variant" });
    expect(annotate(byId.get("MT-263-A-G")!, layout)).toEqual({ source: "clinvar", clinicalSignificance: "not_provided", reviewStatus: "no assertion provided" });
  });

  it("ExAC VEP 77 CSQ: per-ALT entries of decomposed sites, trimmed indel alleles, HGVS", async () => {
    const { header, byId } = await readAll(EXAC);
    const layout = annotationLayout(header);
    // One site split in three: each ALT gets its own entry although ALLELE_NUM still counts the original ALTs.
    expect(annotate(byId.get("1-69552-G-T")!, layout).hgvsC).toBe("c.462G>T");
    expect(annotate(byId.get("1-69552-G-A")!, layout).hgvsC).toBe("c.462G>A");
    expect(annotate(byId.get("1-69552-G-C")!, layout)).toMatchObject({ gene: "OR4F5", geneId: "ENSG00000186092", consequence: "synonymous_variant", impact: "LOW", hgvsC: "c.462G>C", hgvsP: "p.=" });
    expect(annotate(byId.get("1-69849-G-A")!, layout)).toMatchObject({ source: "vep", consequence: "stop_gained", impact: "HIGH", hgvsP: "p.Trp253Ter", af: 0.0001363 });
    expect(annotate(byId.get("1-13485-AGC-A")!, layout).hgvsC).toBe("n.734_735delGC");
    expect(annotate(byId.get("1-13417-C-CGAGA")!, layout).hgvsC).toBe("n.665_666insGAGA");
    // The canonical transcript wins over other DDX11L1 transcripts with splice_region_variant.
    expect(annotate(byId.get("1-13372-G-C")!, layout)).toMatchObject({ gene: "DDX11L1", consequence: "non_coding_transcript_exon_variant", hgvsC: "n.620G>C" });
  });

  it("SnpEff 4.1 ANN on 1000 Genomes chr22", async () => {
    const { header, variants, byId } = await readAll(SNPEFF);
    const layout = annotationLayout(header);
    expect(variants).toHaveLength(20);
    expect(variants.every((v) => annotate(v, layout).source === "snpeff")).toBe(true);
    expect(annotate(byId.get("22-20100133-G-A")!, layout)).toEqual({
      source: "snpeff", gene: "TRMT2A", geneId: "ENSG00000099899", consequence: "missense_variant", impact: "MODERATE", hgvsC: "c.1885C>T", hgvsP: "p.Pro629Ser",
    });
    expect(annotate(byId.get("22-20103915-C-T")!, layout)).toMatchObject({ gene: "RANBP1", consequence: "stop_gained", impact: "HIGH", hgvsP: "p.Arg70*" });
  });

  it("old SnpEff EFF (cyvcf2 test.snpeff.vcf)", async () => {
    const { header, byId } = await readAll(EFF);
    const layout = annotationLayout(header);
    expect(annotate(byId.get("chr1-69428-T-G")!, layout)).toEqual({ source: "snpeff", gene: "OR4F5", consequence: "missense_variant", impact: "MODERATE", af: 0.0283 });
    expect(annotate(byId.get("chr1-69270-A-G")!, layout)).toMatchObject({ consequence: "synonymous_variant", impact: "LOW" });
    // All MODIFIER: EXON (non_coding_transcript_exon_variant) outranks INTRON, UPSTREAM and DOWNSTREAM.
    expect(annotate(byId.get("chr1-30548-T-G")!, layout)).toMatchObject({ gene: "MIR1302-10", consequence: "non_coding_transcript_exon_variant", impact: "MODIFIER" });
  });

  describe("gen_vcf.py --n 200 --seed 1 (ClinVar style)", () => {
    let file = "";
    beforeAll(() => {
      const dir = mkdtempSync(path.join(tmpdir(), "vcf-agent-ann-"));
      file = path.join(dir, "gen.vcf");
      writeFileSync(file, execFileSync("python3", [path.resolve(here, "../../shared/tools/gen_vcf.py"), "--n", "200", "--seed", "1"]));
    });

    it("annotates split multi-allelic and symbolic records", async () => {
      const { header, variants, byId } = await readAll(file);
      const layout = annotationLayout(header);
      const all = variants.map((v) => annotate(v, layout));
      expect(all.every((a) => a.source === "clinvar" && a.clinicalSignificance !== undefined)).toBe(true);
      expect(annotate(byId.get("3-10218380-A-AC")!, layout)).toEqual({
        source: "clinvar", gene: "VHL", geneId: "7428", consequence: "synonymous_variant", impact: "LOW",
        clinicalSignificance: "Likely_pathogenic", condition: "Inborn genetic diseases", af: 0.24553,
      });
      expect(annotate(byId.get("3-10218380-A-G")!, layout).af).toBe(0.441);
      expect(annotate(byId.get("17-43085282-G-<INS>")!, layout)).toMatchObject({ gene: "BRCA1", clinicalSignificance: "Pathogenic/Likely_pathogenic", consequence: "3_prime_UTR_variant" });
      expect(annotate(byId.get("2-47435601-A-C")!, layout).consequence).toBe("stop_gained");
    });
  });
});
