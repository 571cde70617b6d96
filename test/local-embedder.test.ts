import { describe, expect, it } from "vitest";
import { ConfigError, VcfAgentError } from "../src/errors.js";
import { LocalEmbeddingProvider } from "../src/providers/local/embedder.js";
import { isComposable } from "../src/providers/provider.js";

const p = new LocalEmbeddingProvider();

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a));
}
function describeAt(chrom: string, pos: number, ref: string, alt: string, rest = ""): string {
  return `Variant at chromosome ${chrom} position ${pos} reference allele ${ref} to alternate allele ${alt}${rest ? ` ${rest}` : ""}`;
}
const ann = (gene: string, consequence: string, sig: string) => `in gene ${gene} with consequence ${consequence} clinical significance ${sig}`;
async function one(text: string, provider = p): Promise<Float32Array> {
  return (await provider.embedDocuments([text]))[0]!;
}
const sim = async (a: string, b: string) => dot(await one(a), await one(b));

const SEED = describeAt("17", 43045712, "G", "A", ann("BRCA1", "missense_variant", "Pathogenic"));

const TEXTS = [
  SEED,
  describeAt("17", 43045712, "G", "A", `${ann("BRCA1", "missense_variant", "Likely pathogenic")} condition Hereditary breast ovarian cancer syndrome`),
  describeAt("chr2", 100, "AT", "A"),
  describeAt("3", 10174235, "C", "<INS>", "in gene VHL"),
  describeAt("2", 321681, "G", "G]17:198982]", "with consequence intron_variant"),
  describeAt("NW_009646201.1", 5000, "C", "T", "clinical significance Conflicting classifications of pathogenicity"),
  describeAt("X", 624388, "T", "TTTG", "in gene SHOX clinical significance Pathogenic/Likely pathogenic, low penetrance condition Short stature, idiopathic, X-linked"),
  "pathogenic missense variants in BRCA1",
  "stop gained variants near chr17:43,045,712",
  "benign variants on chromosome 13",
  "Maladie de Crohn — variants  in   NOD2",
  "",
];

describe("LocalEmbeddingProvider: contract", () => {
  it("is composable, versioned and as wide as configured", async () => {
    expect(isComposable(p)).toBe(true);
    expect(p.id).toBe("local:vcf-hash-v1:1536");
    expect(p.dimensions).toBe(1536);
    const small = new LocalEmbeddingProvider({ dimensions: 768 });
    expect(small.id).toBe("local:vcf-hash-v1:768");
    for (const v of await small.embedDocuments(TEXTS)) expect(v).toHaveLength(768);
    for (const v of await p.embedDocuments(TEXTS)) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(1536);
    }
  });

  it("rejects a bad width, naming the option", () => {
    for (const bad of [0, 100, 511, 1536.5, Number.NaN, 70000]) {
      expect(() => new LocalEmbeddingProvider({ dimensions: bad })).toThrow(ConfigError);
    }
    try {
      new LocalEmbeddingProvider({ dimensions: 100 });
    } catch (e) {
      expect((e as ConfigError).option).toBe("dimensions");
      expect((e as Error).message).toContain("100");
    }
  });

  it("returns unit vectors for every kind of text, the empty one included", async () => {
    for (const v of await p.embedDocuments(TEXTS)) {
      expect(norm(v)).toBeCloseTo(1, 5);
      expect(v.every((x) => Number.isFinite(x))).toBe(true);
    }
  });

  it("embedDocuments equals compose(embedSemantic([semanticKey(t)])[0], t) bit for bit", async () => {
    const docs = await p.embedDocuments(TEXTS);
    const semantic = p.embedSemantic(TEXTS.map((t) => p.semanticKey(t)));
    TEXTS.forEach((t, i) => {
      const before = Uint32Array.from(new Uint32Array(semantic[i]!.buffer));
      const composed = p.compose(semantic[i]!, t);
      expect(new Uint32Array(composed.buffer)).toEqual(new Uint32Array(docs[i]!.buffer));
      expect(new Uint32Array(semantic[i]!.buffer)).toEqual(before); // compose leaves its input alone
    });
    expect(await p.embedQuery(TEXTS[7]!)).toEqual(docs[7]);
  });

  it("rejects a semantic component of the wrong width", () => {
    expect(() => p.compose(new Float32Array(10), SEED)).toThrow(VcfAgentError);
  });

  it("honours an aborted signal", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(p.embedDocuments(TEXTS, { signal: ac.signal })).rejects.toThrow();
  });
});

describe("LocalEmbeddingProvider: determinism", () => {
  it("gives the same bits from separate instances and repeated calls", async () => {
    const a = await new LocalEmbeddingProvider().embedDocuments(TEXTS);
    const b = await p.embedDocuments(TEXTS);
    const c = await p.embedDocuments([...TEXTS].reverse());
    a.forEach((v, i) => {
      expect(v).toEqual(b[i]);
      expect(v).toEqual(c[TEXTS.length - 1 - i]);
    });
  });

  it("still computes the recorded vector of the seed description (change the id when this changes)", async () => {
    const v = await one(SEED);
    // One component per block: T words, G gene, C consequence, S significance, L locus, K chromosome, A alleles.
    const recorded: [number, number][] = [
      [55, 0.0915161743760109],
      [747, 0.08660254627466202],
      [824, 0.1767767071723938],
      [1109, 0.18227067589759827],
      [1124, -0.18227067589759827],
      [1216, -0.10710083693265915],
      [1256, -0.17850139737129211],
      [1280, -0.0005225700442679226],
      [1282, -0.0015950108645483851],
      [1488, 0.3162277936935425],
      [1514, 0.10000000894069672],
    ];
    for (const [i, x] of recorded) expect(v[i]).toBeCloseTo(x, 6);
    const nonzero = v.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0);
    expect(nonzero).toBe(15 + 14 + 9 + 6 + 192 + 1 + 6);
    const q = await p.embedQuery("pathogenic missense variants in BRCA1");
    expect(q[536]).toBeCloseTo(0.08411663770675659, 6);
    expect(q[932]).toBeCloseTo(-0.11371470242738724, 6);
    expect(q.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0)).toBe(44);
  });
});

describe("LocalEmbeddingProvider: semantic key", () => {
  it("is the annotation part of a description, shared by variants at other loci", () => {
    expect(p.semanticKey(SEED)).toBe("in gene BRCA1 with consequence missense_variant clinical significance Pathogenic");
    expect(p.semanticKey(describeAt("13", 32340000, "C", "T", ann("BRCA1", "missense_variant", "Pathogenic")))).toBe(p.semanticKey(SEED));
    expect(p.semanticKey(describeAt("1", 5, "A", "G"))).toBe("");
  });

  it("is free text with its locus removed and whitespace collapsed", () => {
    expect(p.semanticKey("stop gained variants near chr17:43,045,712")).toBe("stop gained variants near");
    expect(p.semanticKey("variants on chromosome 13 position 32340000 in BRCA2")).toBe("variants on in BRCA2");
    expect(p.semanticKey("  Pathogenic \t BRCA1\nvariant ")).toBe("Pathogenic BRCA1 variant");
  });
});

describe("LocalEmbeddingProvider: similarity", () => {
  it("ranks same annotation 1 kb away > same gene other consequence > other gene same consequence > unrelated", async () => {
    const sameAll = await sim(SEED, describeAt("17", 43046712, "C", "T", ann("BRCA1", "missense_variant", "Pathogenic")));
    const sameGene = await sim(SEED, describeAt("17", 43050000, "G", "A", ann("BRCA1", "synonymous_variant", "Pathogenic")));
    const sameConsequence = await sim(SEED, describeAt("17", 7675000, "G", "A", ann("TP53", "missense_variant", "Pathogenic")));
    const unrelated = await sim(SEED, describeAt("2", 264985, "AT", "A", ann("ACP1", "intron_variant", "Benign")));
    expect(sameAll).toBeGreaterThan(sameGene);
    expect(sameGene).toBeGreaterThan(sameConsequence);
    expect(sameConsequence).toBeGreaterThan(unrelated);
    expect(sameAll).toBeGreaterThan(0.9);
    expect(Math.abs(unrelated)).toBeLessThan(0.1);
  });

  it("keeps the ranking when the other gene is on another chromosome", async () => {
    const sameGene = await sim(SEED, describeAt("17", 43100000, "G", "A", ann("BRCA1", "intron_variant", "Pathogenic")));
    const otherChr = await sim(SEED, describeAt("13", 32340000, "G", "A", ann("BRCA2", "missense_variant", "Pathogenic")));
    const unrelated = await sim(SEED, describeAt("13", 32340000, "G", "A", ann("ACP1", "intron_variant", "Benign")));
    expect(sameGene).toBeGreaterThan(otherChr);
    expect(otherChr).toBeGreaterThan(unrelated);
  });

  it("puts genes of one family nearer each other than unrelated genes (character 3-grams)", async () => {
    const family = [["BRCA1", "BRCA2"], ["RAD51C", "RAD51D"], ["COL1A1", "COL3A1"], ["MSH2", "MSH6"], ["KCNQ1", "KCNH2"]] as const;
    const unrelated = ["TP53", "APC", "HFE", "LRRK2", "DMD", "SHOX", "CFTR", "VHL", "PTEN", "ATM"];
    const gene = (g: string) => `in gene ${g}`;
    let familyMean = 0;
    for (const [a, b] of family) familyMean += (await sim(gene(a), gene(b))) / family.length;
    let otherMean = 0;
    let pairs = 0;
    for (let i = 0; i < unrelated.length; i++) {
      for (let j = i + 1; j < unrelated.length; j++) {
        otherMean += await sim(gene(unrelated[i]!), gene(unrelated[j]!));
        pairs++;
      }
    }
    otherMean /= pairs;
    expect(familyMean).toBeGreaterThan(otherMean + 0.05);
    expect(Math.abs(otherMean)).toBeLessThan(0.03);
    expect(await sim(gene("BRCA1"), "in gene brca1")).toBeCloseTo(1, 5); // symbols are case-insensitive
  });

  it("puts Likely pathogenic nearer Pathogenic than Benign, but well apart from it", async () => {
    const lp = await sim("clinical significance Pathogenic", "clinical significance Likely pathogenic");
    expect(lp).toBeGreaterThan(await sim("clinical significance Pathogenic", "clinical significance Benign"));
    expect(lp).toBeGreaterThan(0.1);
    expect(lp).toBeLessThan(0.6);
    expect(await sim("clinical significance Benign", "clinical significance Likely benign")).toBeGreaterThan(
      await sim("clinical significance Benign", "clinical significance Likely pathogenic"),
    );
  });

  it("lets a free-text query find the description with its gene, consequence and significance", async () => {
    const q = await p.embedQuery("pathogenic missense variants in BRCA1");
    const docs = [
      describeAt("17", 7675088, "C", "T", ann("TP53", "synonymous_variant", "Benign")),
      describeAt("17", 43045712, "G", "A", ann("BRCA1", "missense_variant", "Pathogenic")),
      describeAt("17", 43063000, "G", "A", ann("BRCA1", "intron_variant", "Benign")),
      describeAt("13", 32340000, "G", "A", ann("BRCA2", "missense_variant", "Pathogenic")),
      describeAt("7", 117559590, "A", "G", ann("CFTR", "missense_variant", "Uncertain significance")),
    ];
    const scores = (await p.embedDocuments(docs)).map((d) => dot(q, d));
    expect(scores[1]).toBeGreaterThan(scores[0]!);
    expect(Math.max(...scores)).toBe(scores[1]);
    expect(scores[0]).toBeLessThan(0.1);
  });

  it("maps query words onto consequence features", async () => {
    const stop = describeAt("1", 1000, "C", "T", ann("GENE1", "stop_gained", "Pathogenic"));
    const missense = describeAt("1", 1000, "C", "T", ann("GENE1", "missense_variant", "Pathogenic"));
    const q = await p.embedQuery("stop gained");
    expect(dot(q, await one(stop))).toBeGreaterThan(dot(q, await one(missense)));
    const splice = await p.embedQuery("splicing variants");
    const donor = await one(describeAt("1", 1000, "C", "T", ann("GENE1", "splice_donor_variant", "Benign")));
    const intron = await one(describeAt("1", 1000, "C", "T", ann("GENE1", "intron_variant", "Benign")));
    expect(dot(splice, donor)).toBeGreaterThan(dot(splice, intron));
  });

  it("falls with genomic distance: 1 kb > 100 kb > 10 Mb > another chromosome", async () => {
    const rest = ann("BRCA1", "missense_variant", "Pathogenic");
    for (const [chrom, base, other] of [["17", 43045712, "3"], ["1", 1_000_000, "2"], ["X", 100_000_000, "Y"], ["13", 32_340_000, "17"]] as const) {
      const at = await one(describeAt(chrom, base, "G", "A", rest));
      const s = async (c: string, pos: number) => dot(at, await one(describeAt(c, pos, "G", "A", rest)));
      const kb = await s(chrom, base + 1_000);
      const k100 = await s(chrom, base + 100_000);
      const mb10 = await s(chrom, base + 10_000_000);
      const otherChr = await s(other, base);
      expect(kb).toBeGreaterThan(k100);
      expect(k100).toBeGreaterThan(mb10);
      expect(mb10).toBeGreaterThan(otherChr);
    }
  });

  it("treats chr17 and 17 alike and unplaced contigs as far from chromosomes", async () => {
    expect(await one(describeAt("chr17", 5, "A", "G"))).toEqual(await one(describeAt("17", 5, "A", "G")));
    expect(await p.embedQuery("variants at chr17:43045712")).toEqual(await p.embedQuery("variants at chromosome 17 position 43045712"));
    const known = await one(describeAt("1", 5, "A", "G"));
    const unplaced = await one(describeAt("NW_009646201.1", 5, "A", "G"));
    expect(dot(known, unplaced)).toBeLessThan(0.5);
  });

  it("gives alleles a small say: same substitution class closer than an indel", async () => {
    const base = await one(describeAt("5", 1000, "C", "T", ann("G1", "missense_variant", "Benign")));
    const sameClass = await one(describeAt("5", 1000, "G", "A", ann("G1", "missense_variant", "Benign"))); // G>A is C>T on the other strand
    const indel = await one(describeAt("5", 1000, "CA", "C", ann("G1", "missense_variant", "Benign")));
    expect(dot(base, sameClass)).toBeGreaterThan(dot(base, indel));
    expect(dot(base, indel)).toBeGreaterThan(0.85);
  });
});

describe("LocalEmbeddingProvider: words", () => {
  it("splits on dashes and no-break spaces but keeps accented letters in words", async () => {
    expect(await p.embedQuery("Crohn — NOD2")).toEqual(await p.embedQuery("Crohn NOD2"));
    expect(await p.embedQuery("Crohn\u00a0NOD2")).toEqual(await p.embedQuery("Crohn NOD2"));
    expect(await p.embedQuery("maladie de Crohn")).not.toEqual(await p.embedQuery("maladie dé Crohn"));
  });

  it("reads gene-like words of a free-text query as genes, not chr17 or rs ids", async () => {
    const brca1 = await one(describeAt("17", 43045712, "G", "A", "in gene BRCA1"));
    const q1 = await p.embedQuery("variants in brca1");
    const q2 = await p.embedQuery("variants in rs80357906");
    expect(dot(q1, brca1)).toBeGreaterThan(0.4);
    expect(dot(q2, brca1)).toBeLessThan(0.05);
    expect(p.semanticKey("variants on chr17")).toBe("variants on");
  });
});
