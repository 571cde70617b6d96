/**
 * Partitions of the search tier: k-means (Lloyd) on the leading coordinates of the stored
 * vectors. The tables hold PCA outputs, whose leading coordinates carry most of the
 * variance (the first 64 of 768 hold ~75 % on the generated 1M table), so partitions found
 * there group rows nearly as a full-width k-means would, at a twelfth of the cost.
 * Assignment is a nearest-centroid search on the f32x4 kernel of `reduce/knn.ts`
 * (x·c − |c|²/2 is largest for the nearest c).
 * Internal: not exported from the package.
 */
import { exactKnn } from "../../reduce/knn.js";
import { mulberry32 } from "../../util/random.js";

const CHUNK = 8192;

/**
 * Partition count for `rows` rows: a power of two near rows / 1,000 (1,024 at 1M), 1 below
 * 4,096 rows. Partitions of ~1,000 rows: on a 7,214-row table, 64 partitions of ~110 rows
 * lost a text query's neighbours to partitions not probed (recall 0.95 with 24 of 64 probed,
 * 1.00 with all), while at 1M rows 24 of 1,024 partitions hold them (0.99).
 */
export function partitionsFor(rows: number): number {
  if (rows < 4096) return 1;
  return Math.min(4096, 2 ** Math.round(Math.log2(rows / 1000)));
}

/** Lets other work run (a server's requests) between chunks of a long computation. */
const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Index of the nearest centroid of each of `n` points (`points` is `n × p`), yielding to the
 * event loop between chunks of 8,192 points (~50 ms each at 1,024 partitions).
 */
export async function assign(points: Float32Array, n: number, p: number, centroids: Float32Array, nlist: number): Promise<Int32Array> {
  const out = new Int32Array(n);
  if (nlist === 1) return out;
  const w = Math.ceil((p + 1) / 4) * 4;
  const c = new Float32Array(nlist * w);
  for (let i = 0; i < nlist; i++) {
    let sq = 0;
    for (let j = 0; j < p; j++) {
      const v = centroids[i * p + j]!;
      c[i * w + j] = v;
      sq += v * v;
    }
    c[i * w + p] = -sq / 2;
  }
  const x = new Float32Array(Math.min(CHUNK, n) * w);
  for (let s = 0; s < n; s += CHUNK) {
    const m = Math.min(CHUNK, n - s);
    x.fill(0);
    for (let i = 0; i < m; i++) {
      x.set(points.subarray((s + i) * p, (s + i + 1) * p), i * w);
      x[i * w + p] = 1;
    }
    out.set(exactKnn(c, nlist, x, m, w, 1), s);
    await yieldNow();
  }
  return out;
}

/** k-means centroids (`nlist × p`) of a sample of the points, seeded (the same on every run). */
export async function trainCentroids(points: Float32Array, n: number, p: number, nlist: number, iterations = 6): Promise<Float32Array> {
  const rand = mulberry32(0x1f5);
  const centroids = new Float32Array(nlist * p);
  if (nlist === 1) {
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) centroids[j] = centroids[j]! + points[i * p + j]! / n;
    return centroids;
  }
  const m = Math.min(n, nlist * 32);
  const sample = new Float32Array(m * p);
  // A seeded sample without repeats (partial Fisher–Yates over row numbers).
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
    sample.set(points.subarray(order[i]! * p, order[i]! * p + p), i * p);
  }
  for (let c = 0; c < nlist; c++) centroids.set(sample.subarray((c % m) * p, (c % m) * p + p), c * p);
  const sums = new Float64Array(nlist * p);
  const counts = new Int32Array(nlist);
  for (let it = 0; it < iterations; it++) {
    const a = await assign(sample, m, p, centroids, nlist);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < m; i++) {
      const c = a[i]!;
      counts[c]!++;
      for (let j = 0; j < p; j++) sums[c * p + j]! += sample[i * p + j]!;
    }
    for (let c = 0; c < nlist; c++) {
      if (counts[c] === 0) {
        // An empty partition restarts at a random sample point.
        const r = Math.floor(rand() * m);
        centroids.set(sample.subarray(r * p, r * p + p), c * p);
        continue;
      }
      for (let j = 0; j < p; j++) centroids[c * p + j] = sums[c * p + j]! / counts[c]!;
    }
  }
  return centroids;
}
