/** Deterministic rows and vectors for the store tests (a store test: no embedder involved). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { VariantRows } from "../src/store/index.js";
import { mulberry32 } from "../src/util/random.js";

/** One test variant; omitted annotations are null. */
export interface TestVariant {
  chrom?: string;
  pos: number;
  ref?: string;
  alt?: string;
  gene?: string | null;
  consequence?: string | null;
  clinicalSignificance?: string | null;
  condition?: string | null;
  af?: number | null;
  qual?: number | null;
  filter?: string;
  id?: string;
}

/** Scales each dims-long row of `v` to unit length in place. */
export function normalizeRows(v: Float32Array, dims: number): Float32Array {
  for (let r = 0; r * dims < v.length; r++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += (v[r * dims + j] as number) ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dims; j++) v[r * dims + j] = (v[r * dims + j] as number) * inv;
  }
  return v;
}

/** Unit vector along `axis`, optionally tilted toward `axis + 1` by `tilt`. */
export function axisVector(dims: number, axis: number, tilt = 0): Float32Array {
  const v = new Float32Array(dims);
  v[axis % dims] = 1;
  if (tilt !== 0) v[(axis + 1) % dims] = tilt;
  return normalizeRows(v, dims);
}

/**
 * `n` unit vectors in nested clusters (cluster + sub-cluster + sub-sub-cluster + noise at
 * halving scales), like embeddings of variants that share a gene, then a consequence, then
 * a locus: neighbourhoods exist at every scale, which is what makes recall meaningful.
 */
export function clusteredVectors(n: number, dims: number, clusters: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const gauss = () => rnd() + rnd() + rnd() - 1.5;
  const levels: [number, number][] = [
    [clusters, 1],
    [16, 0.5],
    [8, 0.25],
  ];
  const centres = levels.map(([count, scale]) => Float32Array.from({ length: count * dims }, () => gauss() * scale));
  const out = new Float32Array(n * dims);
  for (let r = 0; r < n; r++) {
    const picks = levels.map(([count]) => Math.floor(rnd() * count));
    const first = picks[0] as number;
    // Sub-cluster offsets depend on the parent, so the same sub-index differs between clusters.
    const shift = picks.map((p, l) => (l === 0 ? p : (p + (picks[l - 1] as number) * 7 + l * 13) % (levels[l] as [number, number])[0]));
    for (let j = 0; j < dims; j++) {
      let x = gauss() * 0.06;
      for (let l = 0; l < levels.length; l++) x += (centres[l] as Float32Array)[(shift[l] as number) * dims + ((j + first * l) % dims)] as number;
      out[r * dims + j] = x;
    }
  }
  return normalizeRows(out, dims);
}

/** Columnar rows for `variants` with the given vectors (n × dims). */
export function rowsOf(variants: readonly TestVariant[], vectors: Float32Array, dims: number, source = "test.vcf"): VariantRows {
  const chrom = variants.map((v) => v.chrom ?? "chr1");
  const ref = variants.map((v) => v.ref ?? "A");
  const alt = variants.map((v) => v.alt ?? "G");
  return {
    variantId: variants.map((v, i) => `${chrom[i]}-${v.pos}-${ref[i]}-${alt[i]}`),
    chrom,
    pos: Float64Array.from(variants, (v) => v.pos),
    ref,
    alt,
    id: variants.map((v) => v.id ?? ""),
    qual: Float64Array.from(variants, (v) => v.qual ?? Number.NaN),
    filter: variants.map((v) => v.filter ?? "PASS"),
    gene: variants.map((v) => v.gene ?? null),
    consequence: variants.map((v) => v.consequence ?? null),
    clinicalSignificance: variants.map((v) => v.clinicalSignificance ?? null),
    condition: variants.map((v) => v.condition ?? null),
    af: Float64Array.from(variants, (v) => v.af ?? Number.NaN),
    description: variants.map((v, i) => `${v.gene ?? "intergenic"} ${chrom[i]}:${v.pos} ${ref[i]}>${alt[i]}`),
    vectors,
    dims,
    source,
  };
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = "vcf-agent-store-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
