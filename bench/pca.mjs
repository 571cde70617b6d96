// PCA benchmark: fit time, projection kernels side by side, exact-kNN time, and
// recall@10 of cosine neighbours after reduction vs exact neighbours at full width, on
// (a) local-embedder vectors of generated variant descriptions and (b) synthetic
// power-law vectors. Run: npm run bench:pca   (BENCH_PCA_N=10000 for a quick run,
// BENCH_PCA_SWEEP=1 to add the kernel register-block sweep)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { fitPca, varianceRetained } from "../dist/reduce/pca.js";
import { Projector } from "../dist/reduce/project.js";
import { ParallelProjector } from "../dist/reduce/parallel.js";
import { projectBlockedJs, projectNaive } from "../dist/reduce/project-js.js";
import { exactKnn, recallAtK } from "../dist/reduce/knn.js";
import { centredCovariance } from "../dist/reduce/covariance.js";
import { symmetricEigenTop } from "../dist/reduce/eigen.js";
import { createMemory, instantiateGemm, pagesFor, panelWidth } from "../dist/reduce/_gemm.js";
import { mulberry32 } from "../dist/util/random.js";

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_PCA_N ?? 50_000); // database vectors per data set
const Q = Number(process.env.BENCH_PCA_QUERIES ?? 1_000); // held-out query vectors
const D = 1536;
const K = 10; // recall@K
const FIT_SAMPLES = 6_144; // the fit-time figure: 1536 → 768 on 6,144 vectors
const TARGETS = [768, 512];

const line = (name, fields) =>
  console.log(`${name.padEnd(18)} ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(v < 10 ? 4 : 1) : v}`).join(" ")}`);
const seconds = (t0) => (performance.now() - t0) / 1000;
// CPU seconds of this process: on a shared machine, work per CPU-second is the steadier figure.
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/** Runs fn and returns [result, wall seconds, CPU seconds]. */
const measure = (fn) => {
  const t0 = performance.now();
  const c0 = cpuNow();
  const result = fn();
  return [result, seconds(t0), cpuNow() - c0];
};

console.log(`# node ${process.version}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, load average ${loadavg()[0].toFixed(2)}; N=${N} queries=${Q} d=${D}`);

/** Seeded normal deviates; synthetic data is test data, not embeddings. */
function rng(seed) {
  const next = mulberry32(seed);
  // Half a step up: in (0, 1), so log(uniform()) below is finite.
  const uniform = () => next() + 2 ** -33;
  let spare = NaN;
  const normal = () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  return { normal };
}

/**
 * n unit vectors whose covariance spectrum follows λ_i ∝ 1/i (like text embeddings),
 * in a basis mixed by three Householder reflections, around a common mean direction.
 */
function powerLaw(n, seed) {
  const r = rng(seed);
  const basis = rng(1234); // same basis and mean for every call
  const hs = [0, 1, 2].map(() => {
    const h = Float64Array.from({ length: D }, basis.normal);
    const norm = Math.hypot(...h);
    return h.map((x) => x / norm);
  });
  const mean = Float64Array.from({ length: D }, () => 0.02 * basis.normal());
  const scale = Float64Array.from({ length: D }, (_, i) => 1 / Math.sqrt(i + 1));
  const mix = (x) => {
    for (const h of hs) {
      let dot = 0;
      for (let j = 0; j < D; j++) dot += h[j] * x[j];
      for (let j = 0; j < D; j++) x[j] -= 2 * dot * h[j];
    }
  };
  /** The population's top-k principal axes, known from the construction: mixed unit vectors. */
  const axes = (k) => {
    const out = new Float32Array(k * D);
    for (let i = 0; i < k; i++) {
      const e = new Float64Array(D);
      e[i] = 1;
      mix(e);
      out.set(e, i * D);
    }
    return out;
  };
  const out = new Float32Array(n * D);
  const x = new Float64Array(D);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < D; j++) x[j] = scale[j] * r.normal();
    mix(x);
    let norm = 0;
    for (let j = 0; j < D; j++) {
      x[j] += mean[j];
      norm += x[j] * x[j];
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < D; j++) out[s * D + j] = x[j] / norm;
  }
  return { vectors: out, axes };
}

/** Local-embedder vectors of generated variant descriptions (n database, q held-out queries). */
async function localEmbedder(n, q, dimensions = D) {
  const { openVcf, annotationLayout, summarizeVariant } = await import("../dist/vcf/index.js");
  const { LocalEmbeddingProvider } = await import("../dist/providers/index.js");
  const gen = join(here, "..", "..", "shared", "tools", "gen_vcf.py");
  const dir = join(here, "data");
  mkdirSync(dir, { recursive: true });
  const provider = new LocalEmbeddingProvider({ dimensions });
  const embedFile = async (records, seed, want) => {
    const file = join(dir, `pca_n${records}_seed${seed}.vcf`);
    if (!existsSync(file)) execFileSync("sh", ["-c", `python3 "${gen}" --n ${records} --seed ${seed} > "${file}.tmp" && mv "${file}.tmp" "${file}"`]);
    const reader = await openVcf(file);
    const layout = annotationLayout(reader.header);
    const out = new Float32Array(want * dimensions);
    let count = 0;
    try {
      for await (const batch of reader.batches(1000)) {
        const texts = batch.slice(0, want - count).map((v) => summarizeVariant(v, layout).description);
        const vecs = await provider.embedDocuments(texts);
        vecs.forEach((v, i) => out.set(v, (count + i) * dimensions));
        count += vecs.length;
        if (count >= want) break;
      }
    } finally {
      await reader.close();
    }
    return { vectors: out.subarray(0, count * dimensions), count };
  };
  const base = await embedFile(n, 7, n);
  const queries = await embedFile(q, 8, q);
  return { base: base.vectors, nBase: base.count, queries: queries.vectors, nQueries: queries.count, id: provider.id };
}

async function kernels(model, input, n) {
  const rows = [];
  const record = (name, count, wall, cpu) => rows.push({ name, count, perSecond: count / wall, perCpuSecond: count / cpu });
  const time = (name, count, fn) => {
    fn(Math.min(count, 8)); // warm-up (and WebAssembly tier-up)
    const [, wall, cpu] = measure(() => fn(count));
    record(name, count, wall, cpu);
  };
  const out = new Float32Array(n * model.outputDimensions);
  time("naive-js", Math.min(n, 300), (c) => projectNaive(model, input, c, out));
  time("blocked-js", Math.min(n, 3_000), (c) => projectBlockedJs(model, input, c, out));
  const simd = new Projector(model);
  time(simd.kernel, n, (c) => simd.project(input, c, out));
  const parallel = ParallelProjector.create(model);
  if (parallel !== undefined) {
    await parallel.project(input, Math.min(n, 2_048), out); // warm-up, both threads
    const t0 = performance.now();
    const c0 = cpuNow();
    await parallel.project(input, n, out);
    // CPU time of both threads: process.cpuUsage counts every thread of the process.
    record("wasm-simd-2-threads", n, seconds(t0), cpuNow() - c0);
    await parallel.close();
  }
  for (const r of rows) {
    line("pca.project", { kernel: r.name, d: model.inputDimensions, k: model.outputDimensions, vectors: r.count, vectorsPerSecond: Math.round(r.perSecond), vectorsPerCpuSecond: Math.round(r.perCpuSecond) });
  }
  return out;
}

/** The first `k` of each `wide`-long row. */
function topOf(rows, wide, k) {
  const n = rows.length / wide;
  const out = new Int32Array(n * k);
  for (let q = 0; q < n; q++) out.set(rows.subarray(q * wide, q * wide + k), q * k);
  return out;
}

/** Fraction of each query's `k` true neighbours found among its `wide` candidates. */
function recallWithin(rows, wide, truth, k) {
  const n = truth.length / k;
  let hits = 0;
  for (let q = 0; q < n; q++) {
    const got = new Set(rows.subarray(q * wide, q * wide + wide));
    for (let i = 0; i < k; i++) if (got.has(truth[q * k + i])) hits++;
  }
  return hits / (n * k);
}

/** `count` vectors spread evenly over `nBase` (every ⌊nBase/count⌋-th): a sample of the whole set. */
function strided(base, nBase, count) {
  const step = Math.floor(nBase / count);
  const out = new Float32Array(count * D);
  for (let i = 0; i < count; i++) out.set(base.subarray(i * step * D, (i * step + 1) * D), i * D);
  return out;
}

/**
 * Exact neighbours at full width, then per target width and training set: fit, project,
 * search, recall. `first` = the first vectors of the stream, as the reducer trains;
 * `strided` = the same number spread over the whole set (matters for position-sorted files);
 * `population-axes` = the true axes of the generating distribution (a ceiling for PCA).
 */
async function evaluate(label, base, nBase, queries, nQueries, providerId, samplings, axes) {
  const [truth, knnWall, knnCpu] = measure(() => exactKnn(base, nBase, queries, nQueries, D, K));
  line("pca.knn.exact", { data: label, d: D, base: nBase, queries: nQueries, seconds: knnWall, cpuSeconds: knnCpu });
  for (const target of TARGETS) {
    const plans = [
      ["first", 4 * target],
      ["first", FIT_SAMPLES],
      ...(samplings.includes("strided") ? [["strided", 4 * target]] : []),
      ...(axes === undefined ? [] : [["population-axes", FIT_SAMPLES]]),
    ];
    for (const [sampling, training] of plans) {
      if (training > nBase) continue;
      const sample = sampling === "strided" ? strided(base, nBase, training) : base.subarray(0, training * D);
      const [fitted, , fitCpu] = measure(() => fitPca(sample, { outputDimensions: target, providerId, inputDimensions: D }));
      const model = sampling === "population-axes" ? { ...fitted, components: axes(target) } : fitted;
      if (model === fitted) {
        line("pca.fit", { data: label, d: D, k: target, sampling, samples: training, seconds: model.fitSeconds, cpuSeconds: fitCpu, varianceRetained: varianceRetained(model) });
      }
      const projector = new Projector(model);
      const [rb, projectSeconds] = measure(() => projector.project(base, nBase));
      const rq = projector.project(queries, nQueries);
      const [found, knnSeconds] = measure(() => exactKnn(rb, nBase, rq, nQueries, target, 2 * K));
      line("pca.recall", {
        data: label,
        k: target,
        sampling,
        samples: training,
        recallAt10: recallAtK(topOf(found, 2 * K, K), truth, K),
        // Share of the true top 10 inside the reduced top 20: are the misses near-ties?
        recall10at20: recallWithin(found, 2 * K, truth, K),
        // On the training set; not defined for the population axes.
        varianceRetained: model === fitted ? varianceRetained(model) : "-",
        projectSeconds,
        knnSeconds,
      });
    }
  }
  return truth;
}

/** Fit phases in CPU seconds, on the SIMD kernels and on the plain-JS fallback. */
function phases(samples, n, k) {
  for (const mode of ["wasm-simd", "plain-js"]) {
    if (mode === "plain-js") process.env.VCF_AGENT_WASM_SIMD = "0";
    try {
      const [cov, , covCpu] = measure(() => centredCovariance(samples, n, D));
      const [, , eigCpu] = measure(() => symmetricEigenTop(cov.matrix, D, k));
      line("pca.fit.phases", { kernels: mode, d: D, k, samples: n, covarianceCpuSeconds: covCpu, eigenCpuSeconds: eigCpu });
    } finally {
      delete process.env.VCF_AGENT_WASM_SIMD;
    }
  }
}

/** Register-block shapes of the generated f32 kernel, kernel alone (BENCH_PCA_SWEEP=1). */
function sweep(model, input, n) {
  const { inputDimensions: d, outputDimensions: k } = model;
  for (const [rowBlock, vectors, rows] of [[4, 2, 64], [2, 4, 64], [4, 1, 64], [4, 4, 64], [4, 3, 48], [6, 2, 48], [8, 2, 64], [4, 2, 32], [4, 2, 128], [4, 2, 256]]) {
    const shape = { elementBytes: 4, lda: d, ldc: k, rowBlock, vectors };
    const pw = panelWidth(shape);
    if (k % pw !== 0) continue;
    const wBytes = d * k * 4;
    const pages = pagesFor(wBytes + rows * d * 4 + rows * k * 4);
    const memory = createMemory(pages);
    const gemm = instantiateGemm(shape, memory, pages);
    const heap = new Float32Array(memory.buffer);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) heap[Math.floor(c / pw) * d * pw + j * pw + (c % pw)] = model.components[c * d + j];
    const m = Math.floor(n / rows) * rows;
    const run = () => {
      for (let r0 = 0; r0 < m; r0 += rows) {
        heap.set(input.subarray(r0 * d, (r0 + rows) * d), wBytes / 4);
        gemm(wBytes, 0, wBytes + rows * d * 4, d, rows / rowBlock, k / pw, 0);
      }
    };
    run();
    run(); // WebAssembly starts in the baseline tier; let the optimizing tier take over first
    const [, wall, cpu] = measure(run);
    line("pca.kernel.shape", { rows: rowBlock, outputs: vectors * 4, rowsPerCall: rows, vectors: m, vectorsPerSecond: Math.round(m / wall), vectorsPerCpuSecond: Math.round(m / cpu), gflopPerCpuSecond: (2 * d * k * m) / cpu / 1e9 });
  }
}

// (b) synthetic first: it needs nothing but this module.
let t0 = performance.now();
const synth = powerLaw(N + Q, 7);
const synthBase = synth.vectors.subarray(0, N * D);
const synthQueries = synth.vectors.subarray(N * D);
line("pca.data", { data: "synthetic-powerlaw", vectors: N + Q, seconds: seconds(t0) });
{
  const model = fitPca(synthBase.subarray(0, Math.min(N, FIT_SAMPLES) * D), { outputDimensions: 768, providerId: "synthetic", inputDimensions: D });
  await kernels(model, synthBase, Math.min(N, 50_000));
  if (process.env.BENCH_PCA_SWEEP === "1") sweep(model, synthBase, Math.min(N, 3_840));
  phases(synthBase.subarray(0, Math.min(N, FIT_SAMPLES) * D), Math.min(N, FIT_SAMPLES), 768);
}
await evaluate("synthetic-powerlaw", synthBase, N, synthQueries, Q, "synthetic", ["first"], synth.axes);

// (a) local embedder on generated variant descriptions.
try {
  t0 = performance.now();
  const real = await localEmbedder(N, Q);
  line("pca.data", { data: "local-embedder", vectors: real.nBase + real.nQueries, seconds: seconds(t0) });
  const truth = await evaluate("local-embedder", real.base, real.nBase, real.queries, real.nQueries, real.id, ["first", "strided"]);
  // For comparison: the local embedder built natively at the reduced width (no PCA),
  // scored against the same full-width 1536-d neighbours.
  for (const target of TARGETS) {
    const native = await localEmbedder(N, Q, target);
    const found = exactKnn(native.base, native.nBase, native.queries, native.nQueries, target, K);
    line("pca.recall", { data: "local-embedder-native", k: target, recallAt10: recallAtK(found, truth, K) });
  }
} catch (err) {
  console.log(`pca.data           data=local-embedder skipped: ${err instanceof Error ? err.message : String(err)}`);
}
