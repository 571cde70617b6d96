/**
 * The default embedding provider: deterministic, offline, 1536-d by default. It is
 * honest lexical and structural similarity, not a language model: a text's vector is
 * built from hashed words and word pairs, the structured fields of a variant
 * description (gene, consequence, clinical significance) and, for descriptions, a
 * multi-scale code of the genomic locus plus a few allele features. Free-text queries
 * are mapped onto the same structured features ("missense" → missense_variant).
 *
 * Vector layout (1536-d; other widths scale the first four blocks):
 * `T` words [0, 704) · `G` gene [704, 1088) · `C` consequence [1088, 1216) ·
 * `S` significance [1216, 1280) · `L` locus sinusoids [1280, 1472) ·
 * `K` chromosome [1472, 1504) · `A` alleles [1504, 1536).
 * T, G, C and S form the cacheable semantic part; L, K and A are added by `compose`.
 */
import { ConfigError, VcfAgentError } from "../../errors.js";
import { combine, fmix32, FNV_OFFSET, fnvStep, hashLower, hashUpper, lower, upper } from "../../util/hash.js";
import { alleleFeatures } from "./_alleles.js";
import { chromosomeHash, chromosomeIndex, findFreeLocus, genomeCoordinate, KNOWN_CHROMOSOMES, LocusSpans, parseDescriptionHead } from "./_locus.js";
import { CONSEQUENCES, SIGNIFICANCE_PHRASES, STOP, WORD_ACTIONS, type ConsequenceInfo, type SignificanceInfo, type VocabAction } from "./_vocab.js";
import type { FactoredProvider } from "../provider.js";
import { cosTurns, INV_SQRT2, INV_SQRT3, sinTurns, STEP } from "./_sine.js";
import {
  DESCRIPTION_FIELDS, FIXED, LAMBDA_MAX, LAMBDA_MIN, PAIRS, SALT, SCALES, SHARE, TAPER,
  W_BIGRAM, W_GENE_NGRAMS, W_GROUP, W_IMPACT, W_SIG_GROUP, type Block,
} from "./_weights.js";
import { collapseSpace, isGeneLike, isWordChar, wordEnd } from "./_words.js";

/** Algorithm version; part of {@link LocalEmbeddingProvider.id}. Change it with any change to the vectors. */
export const LOCAL_EMBEDDING_VERSION = "vcf-hash-v1";

/** Options of {@link LocalEmbeddingProvider}. */
export interface LocalEmbeddingOptions {
  /** Vector width; an integer from 512 to 65536. Default 1536. */
  dimensions?: number;
}

/**
 * Deterministic local embeddings for variant descriptions and free-text queries.
 * @example
 * const p = new LocalEmbeddingProvider();
 * const [v] = await p.embedDocuments(["Variant at chromosome 17 position 43045712 reference allele G to alternate allele A in gene BRCA1 with consequence missense_variant clinical significance Pathogenic"]);
 * const q = await p.embedQuery("pathogenic missense variants in BRCA1");
 */
export class LocalEmbeddingProvider implements FactoredProvider {
  readonly id: string;
  readonly dimensions: number;
  readonly #T: Block;
  readonly #G: Block;
  readonly #C: Block;
  readonly #S: Block;
  readonly #L: Block;
  readonly #K: Block;
  readonly #A: Block;
  /** The part of K after the known chromosomes' slots: hashed identity of unplaced contigs. */
  readonly #unplaced: Block;
  /** 1/λ per locus scale. */
  readonly #inverseWavelength = new Float64Array(SCALES);
  /** Amplitude per locus scale: taper × block weight, Σ amplitude² = L weight². */
  readonly #amplitude = new Float64Array(SCALES);
  readonly #spans = new LocusSpans();
  /** Indexes written since the last block normalization, in write order, and a mark per index. */
  readonly #touched: Int32Array;
  #touchedCount = 0;
  readonly #mark: Uint8Array;
  /** Scratch for {@link writeTail}: only its tail is ever written (and zeroed first). */
  readonly #tail: Float32Array;
  /** Vector the allele callback writes into (set just before the call; avoids a closure per text). */
  #target: Float32Array = EMPTY;
  readonly #emitAllele = (h: number): void => {
    this.#add(this.#target, this.#A, h, SALT.allele, 2, 1);
  };

  constructor(options: LocalEmbeddingOptions = {}) {
    const d = options.dimensions ?? 1536;
    if (!Number.isInteger(d) || d < 512 || d > 65536) {
      throw new ConfigError("dimensions", `must be an integer from 512 to 65536, got ${String(options.dimensions)}`);
    }
    this.dimensions = d;
    this.id = `local:${LOCAL_EMBEDDING_VERSION}:${d}`;
    this.#touched = new Int32Array(d);
    this.#mark = new Uint8Array(d);
    this.#tail = new Float32Array(d);
    const rest = d - FIXED.L - FIXED.K - FIXED.A;
    // The gene block is the largest structured one: thousands of symbols share it, and
    // its hash-collision noise (≈ 1/√size in cosine) must stay well below the 3-gram signal.
    const g = Math.floor(rest * 0.3);
    const c = Math.floor(rest * 0.1);
    const s = Math.floor(rest * 0.05);
    const t = rest - g - c - s;
    let at = 0;
    const block = (size: number, share: number): Block => {
      const b = { start: at, size, weight: Math.sqrt(share) };
      at += size;
      return b;
    };
    this.#T = block(t, SHARE.T);
    this.#G = block(g, SHARE.G);
    this.#C = block(c, SHARE.C);
    this.#S = block(s, SHARE.S);
    this.#L = block(FIXED.L, SHARE.L);
    this.#K = block(FIXED.K, SHARE.K);
    this.#A = block(FIXED.A, SHARE.A);
    this.#unplaced = { start: this.#K.start + KNOWN_CHROMOSOMES, size: FIXED.K - KNOWN_CHROMOSOMES, weight: this.#K.weight };
    const ratio = Math.pow(LAMBDA_MAX / LAMBDA_MIN, 1 / (SCALES - 1));
    let sum = 0;
    for (let k = 0; k < SCALES; k++) {
      this.#inverseWavelength[k] = 1 / (LAMBDA_MIN * Math.pow(ratio, k));
      const taper = 0.5 - 0.5 * Math.cos(Math.PI * Math.min(1, (k + 1) / TAPER));
      this.#amplitude[k] = taper;
      sum += taper * taper;
    }
    const scale = this.#L.weight / Math.sqrt(sum);
    for (let k = 0; k < SCALES; k++) this.#amplitude[k] = this.#amplitude[k]! * scale;
  }

  /**
   * The cacheable part of `text`: for a description, everything after the alleles
   * (`in gene BRCA1 with consequence ...`); for free text, the text without any locus
   * it mentions. Whitespace is collapsed; case is kept (gene symbols are read from it).
   */
  semanticKey(text: string): string {
    const s = this.#spans;
    if (parseDescriptionHead(text, s)) return collapseSpace(text, s.restStart, text.length);
    const found = findFreeLocus(text, s);
    if (!found) return collapseSpace(text, 0, text.length);
    const rest = `${text.slice(0, found[0])} ${text.slice(found[1])}`;
    return collapseSpace(rest, 0, rest.length);
  }

  /** Semantic components (blocks T, G, C, S; not normalized overall), one per key. */
  embedSemantic(keys: readonly string[]): Float32Array[] {
    const out: Float32Array[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const v = new Float32Array(this.dimensions);
      this.#writeSemantic(keys[i]!, v);
      out[i] = v;
    }
    return out;
  }

  /** Adds the locus, chromosome and allele blocks of `text` to a copy of `semantic` and L2-normalizes it. */
  compose(semantic: Float32Array, text: string): Float32Array {
    if (semantic.length !== this.dimensions) {
      throw new VcfAgentError(`${this.id}: semantic component has ${semantic.length} dimensions, expected ${this.dimensions}`, "PROVIDER");
    }
    const out = new Float32Array(semantic);
    this.#finish(out, text);
    return out;
  }

  /** First index of the per-text blocks (L, K, A); semantic components are zero from here on. */
  get tailStart(): number {
    return this.#L.start;
  }

  /**
   * Writes the L, K and A blocks of `text` into `out` from `offset` (`dimensions − tailStart`
   * values) and returns their squared norm: `compose(s, text)` is `(s ⊕ tail) / √(‖s‖² + that)`.
   */
  writeTail(text: string, out: Float32Array, offset: number): number {
    const start = this.#L.start;
    const size = this.dimensions - start;
    if (offset < 0 || offset + size > out.length) throw new RangeError(`${this.id}: writeTail needs ${size} values from offset ${offset}, out has ${out.length}`);
    const scratch = this.#tail;
    this.#writeTailBlocks(scratch, text, false);
    let sum = 0;
    for (let i = start; i < scratch.length; i++) {
      const v = scratch[i]!;
      out[offset + i - start] = v;
      sum += v * v;
    }
    return sum;
  }

  /** One unit vector per text; equal bit for bit to `compose(embedSemantic([semanticKey(t)])[0], t)`. */
  async embedDocuments(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    const out: Float32Array[] = new Array(texts.length);
    for (let i = 0; i < texts.length; i++) {
      if ((i & 1023) === 1023) signal?.throwIfAborted();
      const t = texts[i]!;
      const v = new Float32Array(this.dimensions);
      this.#writeSemantic(this.semanticKey(t), v);
      // semanticKey left t's locus spans in #spans; #finish reuses them instead of parsing again.
      this.#finish(v, t, true);
      out[i] = v;
    }
    return out;
  }

  /** The unit vector of a query; queries and documents share one space. */
  async embedQuery(text: string, options?: { signal?: AbortSignal }): Promise<Float32Array> {
    const [v] = await this.embedDocuments([text], options);
    return v!;
  }

  #writeSemantic(key: string, out: Float32Array): void {
    let structured = key.length === 0;
    for (let i = 0; !structured && i < DESCRIPTION_FIELDS.length; i++) structured = key.startsWith(DESCRIPTION_FIELDS[i]!);
    this.#words(key, out, !structured);
    if (structured) this.#fields(key, out);
    this.#normalizeBlock(out, this.#T);
    this.#normalizeBlock(out, this.#G);
    this.#normalizeBlock(out, this.#C);
    this.#normalizeBlock(out, this.#S);
    this.#clearTouched();
  }

  /**
   * Adds feature `h` with weight `value` to block `b`: `k` positions derived from
   * `h ^ salt`, each ±value/√k with the sign from the derived hash, so the feature's
   * squared norm is value² and unrelated features are near-orthogonal.
   */
  #add(out: Float32Array, b: Block, h: number, salt: number, k: number, value: number): void {
    const v = value * (k === 2 ? INV_SQRT2 : k === 3 ? INV_SQRT3 : k === 4 ? 0.5 : 1 / Math.sqrt(k));
    const mark = this.#mark;
    let g = (h ^ salt) | 0;
    for (let i = 0; i < k; i++) {
      g = (g + STEP) | 0;
      const x = fmix32(g);
      const idx = b.start + (x % b.size);
      if (mark[idx] === 0) {
        mark[idx] = 1;
        this.#touched[this.#touchedCount++] = idx;
      }
      out[idx] = out[idx]! + ((x & 0x80000000) !== 0 ? -v : v);
    }
  }

  /** Scales block `b` to norm `b.weight` (left at zero when empty), visiting only written indexes. */
  #normalizeBlock(out: Float32Array, b: Block): void {
    const touched = this.#touched;
    const n = this.#touchedCount;
    const end = b.start + b.size;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const i = touched[j]!;
      if (i >= b.start && i < end) sum += out[i]! * out[i]!;
    }
    if (sum === 0) return;
    const f = b.weight / Math.sqrt(sum);
    for (let j = 0; j < n; j++) {
      const i = touched[j]!;
      if (i >= b.start && i < end) out[i] = out[i]! * f;
    }
  }

  #clearTouched(): void {
    const touched = this.#touched;
    for (let j = 0; j < this.#touchedCount; j++) this.#mark[touched[j]!] = 0;
    this.#touchedCount = 0;
  }

  /** Words and word pairs into T; in free text, also vocabulary words into C/S and gene-like words into G. */
  #words(text: string, out: Float32Array, free: boolean): void {
    const T = this.#T;
    const n = text.length;
    let prev = 0;
    let hasPrev = false;
    let i = 0;
    while (i < n) {
      while (i < n && !isWordChar(text.charCodeAt(i))) i++;
      if (i >= n) break;
      const start = i;
      let h = FNV_OFFSET;
      let digits = 0;
      let lowers = 0;
      let ascii = true;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (!isWordChar(c)) break;
        h = fnvStep(h, lower(c));
        if (c >= 48 && c <= 57) digits++;
        else if (c >= 97 && c <= 122) lowers++;
        else if (c > 127) ascii = false;
        i++;
      }
      const word = h >>> 0;
      if (STOP.has(word)) continue;
      this.#add(out, T, word, SALT.uni, 3, 1);
      let pair = 0;
      if (hasPrev) {
        pair = combine(prev, word);
        this.#add(out, T, pair, SALT.bi, 3, W_BIGRAM);
      }
      if (free) {
        const action = (hasPrev ? PAIRS.get(pair) : undefined) ?? WORD_ACTIONS.get(word);
        if (action) this.#apply(action, out);
        else if (isGeneLike(text, start, i, digits, lowers, ascii)) this.#gene(text, start, i, out);
      }
      prev = word;
      hasPrev = true;
    }
  }

  /** Structured fields of a description's annotation part, in the order describeVariant writes them. */
  #fields(key: string, out: Float32Array): void {
    let at = 0;
    if (key.startsWith("in gene ", at)) {
      const s = at + 8;
      const e = wordEnd(key, s);
      if (e > s) this.#gene(key, s, e, out);
      at = e + 1;
    }
    if (key.startsWith("with consequence ", at)) {
      const s = at + 17;
      const e = wordEnd(key, s);
      if (e > s) {
        const h = hashLower(key, s, e);
        this.#consequence(CONSEQUENCES.get(h), h, out);
      }
      at = e + 1;
    }
    if (key.startsWith("clinical significance ", at)) {
      const s = at + 22;
      let e = key.indexOf(" condition ", s);
      if (e < 0) e = key.length;
      this.#significance(key, s, e, out);
    }
  }

  /** Gene identity (upper-cased symbol) plus its character 3-grams with ^/$ boundaries. */
  #gene(text: string, s: number, e: number, out: Float32Array): void {
    const G = this.#G;
    this.#add(out, G, hashUpper(text, s, e), SALT.gene, 4, 1);
    const len = e - s;
    const w = W_GENE_NGRAMS / Math.sqrt(len);
    for (let j = -1; j < len - 1; j++) {
      let h = FNV_OFFSET;
      for (let q = j; q < j + 3; q++) {
        h = fnvStep(h, q < 0 ? 94 : q >= len ? 36 : upper(text.charCodeAt(s + q)));
      }
      this.#add(out, G, h >>> 0, SALT.ngram, 2, w);
    }
  }

  #consequence(info: ConsequenceInfo | undefined, id: number, out: Float32Array): void {
    const C = this.#C;
    this.#add(out, C, id, SALT.cons, 3, 1);
    if (!info) return;
    for (const g of info.groups) this.#add(out, C, g, SALT.cons, 3, W_GROUP);
    this.#add(out, C, info.impact, SALT.cons, 3, W_IMPACT);
  }

  #sig(info: SignificanceInfo, out: Float32Array): void {
    const S = this.#S;
    this.#add(out, S, info.id, SALT.sig, 3, 1);
    if (info.group !== 0) this.#add(out, S, info.group, SALT.sig, 3, W_SIG_GROUP);
  }

  /** `Pathogenic/Likely pathogenic, low penetrance`: each `/ , | ;` part is one category (or its own phrase). */
  #significance(text: string, s: number, e: number, out: Float32Array): void {
    let i = s;
    while (i < e) {
      // One part, lower-cased, with runs of space/_/- folded into one space and trimmed.
      let h = FNV_OFFSET;
      let any = false;
      let space = false;
      for (; i < e; i++) {
        const c = text.charCodeAt(i);
        if (c === 47 || c === 44 || c === 124 || c === 59) break; // / , | ;
        if (c === 32 || c === 95 || c === 45) {
          space = any;
          continue;
        }
        if (space) {
          h = fnvStep(h, 32);
          space = false;
        }
        h = fnvStep(h, lower(c));
        any = true;
      }
      i++;
      if (!any) continue;
      const phrase = h >>> 0;
      const info = SIGNIFICANCE_PHRASES.get(phrase);
      if (info) this.#sig(info, out);
      else this.#add(out, this.#S, phrase, SALT.sig, 3, 1);
    }
  }

  #apply(action: VocabAction, out: Float32Array): void {
    if (action.block === "consequence") {
      if (action.term) this.#consequence(action.term, action.term.id, out);
      if (action.feature !== undefined) this.#add(out, this.#C, action.feature, SALT.cons, 3, W_GROUP);
    } else {
      if (action.sig) this.#sig(action.sig, out);
      if (action.feature !== undefined) this.#add(out, this.#S, action.feature, SALT.sig, 3, W_SIG_GROUP);
    }
  }

  /**
   * Writes the L, K and A blocks of `text` into `out` and L2-normalizes the whole vector.
   * `parsed`: #spans already holds `text`'s locus (set by semanticKey just before).
   */
  #finish(out: Float32Array, text: string, parsed = false): void {
    this.#writeTailBlocks(out, text, parsed);
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += out[i]! * out[i]!;
    if (sum === 0) {
      // Nothing recognisable (empty text): a fixed unit vector rather than NaNs downstream.
      out[this.#T.start] = 1;
      return;
    }
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * inv;
  }

  /** Writes the L, K and A blocks of `text` into `out` (not normalized overall). */
  #writeTailBlocks(out: Float32Array, text: string, parsed: boolean): void {
    const L = this.#L;
    const K = this.#K;
    const A = this.#A;
    out.fill(0, L.start, A.start + A.size);
    const s = this.#spans;
    if (!parsed && !parseDescriptionHead(text, s)) findFreeLocus(text, s);
    if (s.chromStart >= 0) {
      const ch = chromosomeHash(text, s.chromStart, s.chromEnd);
      const idx = chromosomeIndex(ch);
      if (idx >= 0) out[K.start + idx] = K.weight;
      else this.#add(out, this.#unplaced, ch, SALT.chrom, 2, K.weight);
      if (s.pos >= 0) {
        const x = genomeCoordinate(idx, ch, s.pos);
        const inverse = this.#inverseWavelength;
        const amplitude = this.#amplitude;
        for (let k = 0; k < SCALES; k++) {
          // Phase in [0, 1) first: keeps the table lookup exact for coordinates up to 1e12.
          const turns = x * inverse[k]!;
          const phase = turns - Math.floor(turns);
          const a = amplitude[k]!;
          out[L.start + 2 * k] = a * cosTurns(phase);
          out[L.start + 2 * k + 1] = a * sinTurns(phase);
        }
      }
    }
    if (s.refStart >= 0) {
      this.#target = out;
      alleleFeatures(text, s.refStart, s.refEnd, s.altStart, s.altEnd, this.#emitAllele);
      this.#target = EMPTY;
      this.#normalizeBlock(out, A);
    }
    this.#clearTouched();
  }
}

const EMPTY = new Float32Array(0);
