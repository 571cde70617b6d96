import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, VcfAgentError } from "../src/errors.js";
import { symmetricEigenTop } from "../src/reduce/eigen.js";
import { loadModel, saveModel } from "../src/reduce/model-file.js";
import { SLICE_MS } from "../src/reduce/_steps.js";
import { fitPca, fitPcaAsync, varianceRetained, type PcaModel } from "../src/reduce/pca.js";
import { Projector, projectBatch } from "../src/reduce/project.js";
import { ParallelProjector } from "../src/reduce/parallel.js";
import { projectBlockedJs, projectNaive, projectReference } from "../src/reduce/project-js.js";
import { PcaReducer } from "../src/reduce/reducer.js";
import { exactKnn, recallAtK } from "../src/reduce/knn.js";
import { mulberry32 } from "../src/util/random.js";
import { concatRows, maxAbsDiff, modelOf } from "./_vectors.js";

/** Seeded uniform and normal deviates: test data, not embeddings. */
function rng(seed: number): { uniform: () => number; normal: () => number } {
  const next = mulberry32(seed);
  // Half a step up: in (0, 1), so log(uniform()) below is finite.
  const uniform = (): number => next() + 2 ** -33;
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** n vectors of width d: `rank` strong random directions plus small isotropic noise, offset mean. */
function lowRankData(n: number, d: number, rank: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const axes = Array.from({ length: rank }, () => Float64Array.from({ length: d }, r.normal));
  const offset = Float64Array.from({ length: d }, () => 0.3 * r.normal());
  return Array.from({ length: n }, () => {
    const v = new Float32Array(d);
    for (let i = 0; i < rank; i++) {
      const z = r.normal() / (i + 1);
      const ax = axes[i]!;
      for (let j = 0; j < d; j++) v[j] = v[j]! + z * ax[j]!;
    }
    for (let j = 0; j < d; j++) v[j] = v[j]! + offset[j]! + 0.05 * r.normal();
    return v;
  });
}

describe("fitPca on hand-checked data", () => {
  it("finds the two axes of a 2-D cloud, their variances and ratios", () => {
    // Covariance [[10, 6], [6, 10]] / 3: eigenvalues 16/3 on (1,1)/√2 and 4/3 on (1,−1)/√2.
    const pts = [Float32Array.of(2, 2), Float32Array.of(-2, -2), Float32Array.of(1, -1), Float32Array.of(-1, 1)];
    const m = fitPca(pts, { outputDimensions: 2, providerId: "test:2d" });
    const h = Math.SQRT1_2;
    expect(maxAbsDiff(m.components, [h, h, h, -h])).toBeLessThan(1e-6);
    expect(m.explainedVariance[0]).toBeCloseTo(16 / 3, 10);
    expect(m.explainedVariance[1]).toBeCloseTo(4 / 3, 10);
    expect(m.totalVariance).toBeCloseTo(20 / 3, 10);
    expect(Array.from(m.explainedVarianceRatio).map((x) => +x.toFixed(10))).toEqual([0.8, 0.2]);
    expect(varianceRetained(m)).toBeCloseTo(1, 12);
    // (2,2) lies on the first axis, (1,−1) on the second; outputs are unit length.
    const p = projectBatch(m, concatRows([pts[0]!, pts[2]!]), 2);
    expect(maxAbsDiff(p, [1, 0, 0, 1])).toBeLessThan(1e-6);
  });

  it("recovers mean and axis order of a 3-D cloud with an offset", () => {
    const mean = [10, -5, 3];
    const axes: [number, number][] = [[2, 3], [0, 2], [1, 1]]; // (axis, spread) → variances e3 3.6, e1 1.6, e2 0.4
    const pts: Float32Array[] = [];
    for (const [axis, spread] of axes) {
      for (const s of [spread, -spread]) {
        const v = Float32Array.from(mean);
        v[axis] = v[axis]! + s;
        pts.push(v);
      }
    }
    const m = fitPca(pts, { outputDimensions: 2, providerId: "test:3d" });
    expect(Array.from(m.mean)).toEqual(mean);
    expect(maxAbsDiff(m.components, [0, 0, 1, 1, 0, 0])).toBeLessThan(1e-6);
    expect(m.explainedVariance[0]).toBeCloseTo(3.6, 10);
    expect(m.explainedVariance[1]).toBeCloseTo(1.6, 10);
    expect(varianceRetained(m)).toBeCloseTo(5.2 / 5.6, 10);
    expect(m.outputDimensions).toBe(2);
    expect(m.trainingSamples).toBe(6);
  });

  it("refuses bad input with a PCA error naming the problem", () => {
    const ok = [Float32Array.of(1, 2), Float32Array.of(3, 4)];
    expect(() => fitPca(ok, { outputDimensions: 3, providerId: "p" })).toThrow(/outputDimensions must be an integer in 1\.\.2 \(the input width\), got 3/);
    expect(() => fitPca([ok[0]!, Float32Array.of(1)], { outputDimensions: 1, providerId: "p" })).toThrow(/samples\[1\] has 1 dimensions, expected 2/);
    expect(() => fitPca([ok[0]!, Float32Array.of(1, Number.NaN)], { outputDimensions: 1, providerId: "p" })).toThrow(/samples\[1\]\[1\] is NaN/);
    expect(() => fitPca([ok[0]!, ok[0]!], { outputDimensions: 1, providerId: "p" })).toThrow(/identical \(zero variance\)/);
    try {
      fitPca([ok[0]!], { outputDimensions: 1, providerId: "p" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VcfAgentError);
      expect((e as VcfAgentError).code).toBe("PCA");
    }
  });

  it("stops when its signal is aborted", () => {
    const ac = new AbortController();
    ac.abort(new Error("stop requested"));
    expect(() => fitPca(lowRankData(40, 32, 4, 2), { outputDimensions: 8, providerId: "p", signal: ac.signal })).toThrow("stop requested");
  });

  it("fits without holding the event loop (fitPcaAsync): the same model, timers run meanwhile, and an abort stops it mid-fit", async () => {
    const data = lowRankData(1200, 768, 16, 7);
    const options = { outputDimensions: 256, providerId: "p" };
    const sync = fitPca(data, options);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    const m = await fitPcaAsync(data, options);
    const ms = performance.now() - t0;
    clearInterval(timer);
    expect(Array.from(m.components)).toEqual(Array.from(sync.components));
    expect(Array.from(m.explainedVariance)).toEqual(Array.from(sync.explainedVariance));
    expect(Array.from(m.mean)).toEqual(Array.from(sync.mean));
    // A fit this size takes well over a slice here; the timer fires between slices.
    expect(ms).toBeGreaterThan(3 * SLICE_MS);
    expect(ticks).toBeGreaterThan(0);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("stop requested")), 5);
    await expect(fitPcaAsync(data, { ...options, signal: ac.signal })).rejects.toThrow("stop requested");
  });

  it("gives orthonormal, sign-deterministic components even beyond the data's rank", () => {
    const d = 64;
    const data = lowRankData(20, d, 5, 3); // rank ≤ 19 < 40 components: a degenerate null space
    const m = fitPca(data, { outputDimensions: 40, providerId: "p" });
    for (let a = 0; a < 40; a++) {
      let big = 0;
      for (let j = 0; j < d; j++) if (Math.abs(m.components[a * d + j]!) > Math.abs(big)) big = m.components[a * d + j]!;
      expect(big).toBeGreaterThan(0);
      for (let b = a; b < 40; b++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += m.components[a * d + j]! * m.components[b * d + j]!;
        expect(Math.abs(dot - (a === b ? 1 : 0))).toBeLessThan(1e-5);
      }
    }
    for (let i = 1; i < 40; i++) expect(m.explainedVariance[i]!).toBeLessThanOrEqual(m.explainedVariance[i - 1]!);
    expect(m.explainedVariance[39]).toBeLessThan(1e-9);
    const again = fitPca(data, { outputDimensions: 40, providerId: "p" });
    expect(maxAbsDiff(again.components, m.components)).toBe(0);
  });
});

/** max |(A v)_row − λ v_row| for eigenpair `x` (row `x` of the k × n `vectors`) of the n × n `a`. */
function eigenResidual(a: Float64Array, n: number, value: number, vectors: Float64Array, x: number): number {
  let res = 0;
  for (let row = 0; row < n; row++) {
    let acc = 0;
    for (let c = 0; c < n; c++) acc += a[row * n + c]! * vectors[x * n + c]!;
    res = Math.max(res, Math.abs(acc - value * vectors[x * n + row]!));
  }
  return res;
}

describe("symmetricEigenTop", () => {
  /** Cyclic Jacobi: slow, simple, independent reference for small matrices. */
  function jacobiEigenvalues(a0: Float64Array, n: number): number[] {
    const a = a0.slice();
    for (let sweep = 0; sweep < 100; sweep++) {
      let off = 0;
      for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
      if (off < 1e-26) break;
      for (let p = 0; p < n; p++) {
        for (let q = p + 1; q < n; q++) {
          const apq = a[p * n + q]!;
          if (Math.abs(apq) < 1e-300) continue;
          const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
          const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          const c = 1 / Math.sqrt(t * t + 1);
          const s = t * c;
          for (let k = 0; k < n; k++) {
            const akp = a[k * n + p]!, akq = a[k * n + q]!;
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
          }
          for (let k = 0; k < n; k++) {
            const apk = a[p * n + k]!, aqk = a[q * n + k]!;
            a[p * n + k] = c * apk - s * aqk;
            a[q * n + k] = s * apk + c * aqk;
          }
        }
      }
    }
    return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => y - x);
  }

  it("matches Jacobi eigenvalues and has small residuals on a random symmetric matrix", () => {
    const n = 30;
    const r = rng(11);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r.normal();
    const ref = jacobiEigenvalues(a, n);
    const { values, vectors } = symmetricEigenTop(a.slice(), n, 12);
    for (let i = 0; i < 12; i++) {
      expect(values[i]).toBeCloseTo(ref[i]!, 10);
      expect(eigenResidual(a, n, values[i]!, vectors, i)).toBeLessThan(1e-10);
    }
  });

  /** Q diag(ev) Qᵀ with Q a product of two seeded Householder reflections. */
  function withSpectrum(ev: readonly number[], seed: number): Float64Array {
    const n = ev.length;
    const r = rng(seed);
    const hs = [0, 1].map(() => {
      const v = Float64Array.from({ length: n }, r.normal);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    });
    const q = new Float64Array(n * n);
    for (let i = 0; i < n; i++) q[i * n + i] = 1;
    for (const h of hs) {
      for (let col = 0; col < n; col++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += h[i]! * q[i * n + col]!;
        for (let i = 0; i < n; i++) q[i * n + col] = q[i * n + col]! - 2 * dot * h[i]!;
      }
    }
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] = a[i * n + j]! + q[i * n + k]! * ev[k]! * q[j * n + k]!;
    return a;
  }

  function checkPairs(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array, expected: readonly number[]): void {
    const k = values.length;
    expect(maxAbsDiff(values, expected.slice(0, k))).toBeLessThan(1e-12);
    for (let x = 0; x < k; x++) {
      expect(eigenResidual(a, n, values[x]!, vectors, x)).toBeLessThan(1e-12);
      for (let y = x; y < k; y++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[x * n + i]! * vectors[y * n + i]!;
        expect(Math.abs(dot - (x === y ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  }

  it("separates repeated eigenvalues into orthonormal vectors", () => {
    const ev = [5, 5, 5, 2, 2, 1, 0.5, 0.5, 0.25, 0.1, 0.1, 0];
    const a = withSpectrum(ev, 5);
    const { values, vectors } = symmetricEigenTop(a.slice(), 12, 8);
    checkPairs(a, 12, values, vectors, ev);
  });

  it("handles a cluster larger than one orthogonalization block, with SIMD and plain JS", () => {
    // 6 distinct eigenvalues, then 70 equal ones (three blocks of 32), then a tail.
    const ev = [9, 8, 7, 6, 5, 4, ...new Array<number>(70).fill(1), ...Array.from({ length: 14 }, (_, i) => 0.5 - i * 0.01)];
    const a = withSpectrum(ev, 17);
    const simd = symmetricEigenTop(a.slice(), 90, 80);
    checkPairs(a, 90, simd.values, simd.vectors, ev);
    process.env["VCF_AGENT_WASM_SIMD"] = "0";
    try {
      const js = symmetricEigenTop(a.slice(), 90, 80);
      checkPairs(a, 90, js.values, js.vectors, ev);
    } finally {
      delete process.env["VCF_AGENT_WASM_SIMD"];
    }
  });
});

/** A model-shaped object with seeded random components: the kernel's job does not depend on orthonormality. */
function randomModel(d: number, k: number, seed: number): PcaModel {
  const r = rng(seed);
  const mean = Float32Array.from({ length: d }, () => 0.1 * r.normal());
  return modelOf(mean, Float32Array.from({ length: k * d }, () => r.normal() / Math.sqrt(d)));
}

describe("projection kernels", () => {
  it.each([
    [1536, 768, 70],
    [256, 100, 37],
    [50, 3, 130],
  ])("WASM SIMD, blocked JS and naive agree with the float64 reference (%i → %i, %i vectors)", (d, k, n) => {
    const model = randomModel(d, k, d + k);
    const r = rng(n);
    const input = Float32Array.from({ length: n * d }, r.normal);
    const ref = projectReference(model, input, n);
    const simd = new Projector(model);
    expect(simd.kernel).toBe("wasm-simd");
    expect(maxAbsDiff(simd.project(input, n), ref)).toBeLessThan(1e-4);
    expect(maxAbsDiff(new Projector(model, { kernel: "js-blocked" }).project(input, n), ref)).toBeLessThan(1e-4);
    expect(maxAbsDiff(projectBlockedJs(model, input, n), ref)).toBeLessThan(1e-4);
    expect(maxAbsDiff(projectNaive(model, input, n), ref)).toBeLessThan(1e-4);
    // Every output row is unit length.
    const out = projectBatch(model, input, n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += out[i * k + c]! ** 2;
      expect(Math.sqrt(s)).toBeCloseTo(1, 5);
    }
  });

  it("projects on two threads exactly as on one", async () => {
    const model = randomModel(1536, 768, 99);
    const r = rng(100);
    const n = 2_345; // three rounds, the last one uneven
    const input = Float32Array.from({ length: n * 1536 }, r.normal);
    const p = ParallelProjector.create(model);
    expect(p).toBeDefined();
    try {
      const two = await p!.project(input, n);
      expect(maxAbsDiff(two, new Projector(model).project(input, n))).toBe(0);
      const few = await p!.project(input, 3, new Float32Array(3 * 768));
      expect(maxAbsDiff(few, two.subarray(0, 3 * 768))).toBe(0);
      await expect(p!.project(input, n + 1)).rejects.toThrow(/need \d+ values/);
    } finally {
      await p!.close();
    }
  });

  it("writes into a caller's buffer and refuses short ones", () => {
    const model = randomModel(16, 8, 1);
    const input = new Float32Array(3 * 16).fill(1);
    const out = new Float32Array(3 * 8);
    expect(projectBatch(model, input, 3, out)).toBe(out);
    expect(() => projectBatch(model, input, 4)).toThrow(/4 vectors of width 16 need 64 values, input has 48/);
    expect(() => projectBatch(model, input, 3, new Float32Array(5))).toThrow(/output needs 24 values, has 5/);
  });
});

describe("model file", () => {
  let dir = "";
  let model: PcaModel;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vcf-agent-pca-"));
    model = fitPca(lowRankData(200, 96, 8, 21), { outputDimensions: 24, providerId: "local:test:96" });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("saves and loads a model that projects identically", async () => {
    const path = await saveModel(model, dir);
    expect(path).toBe(join(dir, "pca-96x24.pca"));
    const back = await loadModel(path, { providerId: "local:test:96", inputDimensions: 96 });
    expect(back.components).toEqual(model.components);
    expect(back.mean).toEqual(model.mean);
    expect(back.explainedVariance).toEqual(model.explainedVariance);
    expect(back.explainedVarianceRatio).toEqual(model.explainedVarianceRatio);
    expect({ ...back, mean: 0, components: 0, explainedVariance: 0, explainedVarianceRatio: 0 }).toEqual({
      ...model,
      mean: 0,
      components: 0,
      explainedVariance: 0,
      explainedVarianceRatio: 0,
    });
    const input = concatRows(lowRankData(10, 96, 8, 22));
    expect(projectBatch(back, input, 10)).toEqual(projectBatch(model, input, 10));
  });

  it("refuses a model of another provider or width, naming file, expected and found", async () => {
    const path = await saveModel(model, dir, "mismatch");
    await expect(loadModel(path, { providerId: "openai:text-embedding-3-small:1536", inputDimensions: 96 })).rejects.toThrow(
      `${path}: PCA model was fitted on provider "local:test:96", expected "openai:text-embedding-3-small:1536"`,
    );
    await expect(loadModel(path, { providerId: "local:test:96", inputDimensions: 1536 })).rejects.toThrow(
      `${path}: PCA model expects 96-dimensional input, expected 1536`,
    );
    await expect(loadModel(path, { providerId: "x", inputDimensions: 96 })).rejects.toMatchObject({ code: "PCA" });
  });

  it("refuses corrupt, truncated and foreign files", async () => {
    const path = await saveModel(model, dir, "corrupt");
    const good = await readFile(path);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5] = flipped[flipped.length - 5]! ^ 0x40;
    await writeFile(path, flipped);
    await expect(loadModel(path)).rejects.toThrow(`${path}: not a usable PCA model: checksum mismatch (corrupt file)`);
    await writeFile(path, good.subarray(0, good.length - 100));
    await expect(loadModel(path)).rejects.toThrow(/truncated: expected \d+ bytes of vectors, found \d+/);
    await writeFile(path, good.subarray(0, 40));
    await expect(loadModel(path)).rejects.toThrow(/truncated: header needs/);
    await writeFile(path, "{\"not\": \"a model\"}");
    await expect(loadModel(path)).rejects.toThrow(/missing the VCFPCA01 signature/);
    await expect(loadModel(join(dir, "absent.pca"))).rejects.toThrow(/absent\.pca: cannot read PCA model/);
  });
});

describe("PcaReducer", () => {
  it("keeps one width across the training boundary and releases batches in input order", () => {
    const d = 64;
    const reducer = new PcaReducer<number>({ targetDimensions: 16, trainingSamples: 64, inputDimensions: d, providerId: "p" });
    const data = lowRankData(10_000, d, 6, 8);
    const released: { tag: number; vectors: Float32Array[] }[] = [];
    for (let b = 0; b < 400; b++) {
      released.push(...reducer.push(data.slice(b * 25, b * 25 + 25), b));
      if (b < 2) expect(released).toHaveLength(0); // 50 < 64: still collecting
    }
    released.push(...reducer.finish());
    expect(released.map((r) => r.tag)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    const all = released.flatMap((r) => r.vectors);
    expect(all).toHaveLength(10_000);
    expect(all[0]!.length).toBe(16);
    expect(all[9_999]!.length).toBe(16);
    expect(new Set(all.map((v) => v.length))).toEqual(new Set([16]));
    // Held vectors come back projected in their original order (vector 30 was held, 9,999 never was).
    const model = reducer.model!;
    for (const i of [0, 30, 63, 64, 9_999]) expect(maxAbsDiff(all[i]!, projectBatch(model, data[i]!, 1))).toBe(0);
    const s = reducer.stats();
    expect(s).toMatchObject({ isTrained: true, state: "trained", originalDimensions: 64, targetDimensions: 16, outputDimensions: 16, trainingSamplesCollected: 64, trainingSamplesNeeded: 64, vectorsProjected: 10_000 });
    expect(s.reason).toBeUndefined();
    expect(s.varianceRetained).toBeGreaterThan(0.5);
    expect(s.varianceRetained).toBeLessThanOrEqual(1);
    expect(s.memoryReductionPercent).toBeCloseTo(75, 10);
    expect(s.fitSeconds).toBeGreaterThan(0);
    expect(s.projectionVectorsPerSecond).toBeGreaterThan(0);
    expect(reducer.transformQuery(data[5]!)).toEqual(all[5]);
  });

  it("falls back to full width with a reason when too few samples arrive", () => {
    const reducer = new PcaReducer<string>({ targetDimensions: 16, trainingSamples: 64, inputDimensions: 64, providerId: "p" });
    const data = lowRankData(20, 64, 4, 9);
    expect(reducer.push(data.slice(0, 5), "a")).toEqual([]);
    expect(reducer.push(data.slice(5, 15), "b")).toEqual([]);
    expect(reducer.outputDimensions).toBeUndefined();
    expect(reducer.stats().reason).toBe("collecting training samples: 15 of 64");
    expect(reducer.transformQuery(data[0]!)).toBe(data[0]); // not decided: full width, unchanged
    const out = reducer.finish();
    expect(out.map((b) => [b.tag, b.vectors.length])).toEqual([["a", 5], ["b", 10]]);
    expect(out[1]!.vectors[2]).toEqual(data[7]);
    const later = reducer.push(data.slice(15), "c");
    expect(later[0]!.vectors.map((v) => v.length)).toEqual([64, 64, 64, 64, 64]);
    const s = reducer.stats();
    expect(s).toMatchObject({ isTrained: false, state: "full-width", outputDimensions: 64, trainingSamplesCollected: 15, varianceRetained: 0, memoryReductionPercent: 0, vectorsProjected: 0 });
    expect(s.reason).toMatch(/^too few samples: 15 < 32/);
    expect(reducer.finish()).toEqual([]);
  });

  it("fits at finish() on fewer than trainingSamples but at least 2 × target", () => {
    const reducer = new PcaReducer({ targetDimensions: 8, trainingSamples: 64, inputDimensions: 32, providerId: "p" });
    expect(reducer.push(lowRankData(20, 32, 4, 10))).toEqual([]);
    const out = reducer.finish();
    expect(out[0]!.vectors.every((v) => v.length === 8)).toBe(true);
    expect(reducer.stats()).toMatchObject({ isTrained: true, trainingSamplesCollected: 20 });
  });

  it("validates options and a given model", () => {
    const base = { targetDimensions: 8, trainingSamples: 16, inputDimensions: 32, providerId: "p" };
    expect(() => new PcaReducer({ ...base, trainingSamples: 15 })).toThrow(ConfigError);
    expect(() => new PcaReducer({ ...base, trainingSamples: 15 })).toThrow("invalid option trainingSamples: must be an integer ≥ 2 × targetDimensions (16), got 15");
    expect(() => new PcaReducer({ ...base, targetDimensions: 33 })).toThrow(/invalid option targetDimensions/);
    const model = fitPca(lowRankData(40, 32, 4, 12), { outputDimensions: 8, providerId: "p" });
    expect(() => new PcaReducer({ ...base, model, providerId: "q" })).toThrow('PCA model was fitted on provider "p", expected "q"');
    const r = new PcaReducer({ ...base, model });
    expect(r.state).toBe("trained");
    expect(() => r.push([new Float32Array(31)])).toThrow(/vector 0 of the batch has 31 dimensions, expected 32/);
  });

  it.each([768, 512])("reduces 1536 → %i: every vector that wide, memory reduction from bytes", (target) => {
    const reducer = new PcaReducer({ targetDimensions: target, trainingSamples: 2 * target, inputDimensions: 1536, providerId: "p" });
    const data = lowRankData(2 * target + 50, 1536, 48, target);
    const out = [...reducer.push(data.slice(0, 2 * target - 10)), ...reducer.push(data.slice(2 * target - 10))].flatMap((b) => b.vectors);
    expect(out).toHaveLength(data.length);
    expect(new Set(out.map((v) => v.length))).toEqual(new Set([target]));
    const s = reducer.stats();
    expect(s.memoryReductionPercent).toBeCloseTo(100 * (1 - target / 1536), 10);
    if (target === 768) expect(s.memoryReductionPercent).toBe(50);
    expect(s.varianceRetained).toBeGreaterThan(0.9);
    expect(s.varianceRetained).toBeLessThan(1);
  });
});

describe("plain-JS fallback (VCF_AGENT_WASM_SIMD=0)", () => {
  it("fits and projects like the SIMD kernels", () => {
    const data = lowRankData(300, 72, 10, 31);
    const simd = fitPca(data, { outputDimensions: 20, providerId: "p" });
    const input = concatRows(data.slice(0, 9));
    const viaSimd = projectBatch(simd, input, 9);
    process.env["VCF_AGENT_WASM_SIMD"] = "0";
    try {
      const js = fitPca(data, { outputDimensions: 20, providerId: "p" });
      expect(maxAbsDiff(js.explainedVariance, simd.explainedVariance)).toBeLessThan(1e-10);
      expect(maxAbsDiff(js.components, simd.components)).toBeLessThan(1e-5);
      const p = new Projector(js);
      expect(p.kernel).toBe("js-blocked");
      expect(maxAbsDiff(p.project(input, 9), viaSimd)).toBeLessThan(1e-4);
    } finally {
      delete process.env["VCF_AGENT_WASM_SIMD"];
    }
  });
});

describe("exactKnn", () => {
  /** Plain sort of all scores: the obvious answer to compare with. */
  function bySort(base: Float32Array, nBase: number, q: Float32Array, d: number, k: number): number[] {
    const scores = Array.from({ length: nBase }, (_, b) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += q[j]! * base[b * d + j]!;
      return { b, s: Math.fround(s) };
    });
    return scores.sort((x, y) => y.s - x.s || x.b - y.b).slice(0, k).map((x) => x.b);
  }

  it.each([
    [2_100, 13, 96, 10], // base spans two packed chunks, queries a partial row block
    [37, 5, 24, 37], // k = everything
  ])("matches a full sort (%i base, %i queries, d %i, k %i) with SIMD and plain JS", (nBase, nQ, d, k) => {
    const r = rng(nBase + d);
    const base = Float32Array.from({ length: nBase * d }, r.normal);
    const queries = Float32Array.from({ length: nQ * d }, r.normal);
    const got = exactKnn(base, nBase, queries, nQ, d, k);
    process.env["VCF_AGENT_WASM_SIMD"] = "0";
    let js: Int32Array;
    try {
      js = exactKnn(base, nBase, queries, nQ, d, k);
    } finally {
      delete process.env["VCF_AGENT_WASM_SIMD"];
    }
    for (let q = 0; q < nQ; q++) {
      const want = bySort(base, nBase, queries.subarray(q * d, (q + 1) * d), d, k);
      // Float32 sums in another order may swap exact near-ties; compare as sets, then the head.
      expect(new Set(got.subarray(q * k, q * k + k))).toEqual(new Set(want));
      expect(new Set(js.subarray(q * k, q * k + k))).toEqual(new Set(want));
      expect(got[q * k]).toBe(want[0]);
    }
    expect(recallAtK(got, js, k)).toBe(1);
  });

  it("recallAtK counts shared neighbours per query", () => {
    expect(recallAtK(Int32Array.of(1, 2, 3, 4), Int32Array.of(2, 9, 4, 3), 2)).toBe(0.75);
    expect(() => exactKnn(new Float32Array(4), 2, new Float32Array(2), 1, 2, 3)).toThrow(/k must be in 1\.\.2, got 3/);
  });
});
