/** The local embedder's block layout: shares of the squared norm, feature weights, salts, locus scales. */
import { combine } from "../../util/hash.js";
import { pairActions } from "./_vocab.js";

/** One reserved range of the vector and its share of a full description's squared norm. */
export interface Block {
  readonly start: number;
  readonly size: number;
  /** √share: the block's norm after per-block normalization. */
  readonly weight: number;
}

// Squared-norm shares of a fully annotated description (they sum to 1). Chosen so that
// same gene+consequence+significance nearby > same gene, other consequence > other gene,
// same consequence > unrelated; see test/local-embedder.test.ts.
export const SHARE = { T: 0.1, G: 0.2, C: 0.15, S: 0.13, L: 0.26, K: 0.1, A: 0.06 } as const;
// Feature weights inside blocks.
export const W_BIGRAM = 0.7;
export const W_GENE_NGRAMS = Math.sqrt(0.6); // char 3-grams carry 3/8 of the gene block: BRCA1 ≈ BRCA2 a bit
export const W_GROUP = 0.55;
export const W_IMPACT = 0.45;
export const W_SIG_GROUP = 0.6; // Likely pathogenic ≈ Pathogenic a bit
// Salts keep feature kinds in one block independent of each other.
export const SALT = { uni: 0x1b873593, bi: 0x2c1b3c6d, gene: 0x297a2d39, ngram: 0x6e624eb7, cons: 0x3c6ef372, sig: 0x5851f42d, chrom: 0x14057b7e, allele: 0x7f4a7c15 } as const;
// Locus code: 96 sinusoid pairs, wavelengths geometric from 50 bp to 16 Gb; the shortest
// 16 are tapered in so that similarity falls smoothly (log-like) with distance.
export const SCALES = 96;
export const LAMBDA_MIN = 50;
export const LAMBDA_MAX = 1.6e10;
export const TAPER = 16;
export const FIXED = { L: 2 * SCALES, K: 32, A: 32 } as const;

export const DESCRIPTION_FIELDS = ["in gene ", "with consequence ", "clinical significance ", "condition "] as const;
export const PAIRS = pairActions(combine);
