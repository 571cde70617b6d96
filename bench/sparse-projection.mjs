// Projection kernels on real local-embedder vectors: the dense GEMM kernel against the
// sparse kernel the projector picks for rows with ≤ 25 % nonzeros. The same vectors go
// through both; for the dense run their zeros are replaced by 1e-7 so that no row
// qualifies as sparse (VCF_AGENT_PROJECTION_SHARED is read when a projector is built). Usage: npm run build && node bench/sparse-projection.mjs [--n 20000]
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LocalEmbeddingProvider } from "../dist/providers/local/embedder.js";
import { fitPca } from "../dist/reduce/pca.js";
import { Projector } from "../dist/reduce/project.js";
import { annotationLayout } from "../dist/vcf/annotations/index.js";
import { summarizeVariant } from "../dist/vcf/describe.js";
import { openVcf } from "../dist/vcf/reader.js";

const { values } = parseArgs({ options: { n: { type: "string", default: "20000" } } });
const N = Number(values.n);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.join(root, "bench", "data", "gen100k_seed7.vcf.gz");
if (!existsSync(file)) throw new Error(`${file} is missing: run npm run bench:ingest -- --n 100000 once to generate it`);
const reader = await openVcf(file);
const layout = annotationLayout(reader.header);
const texts = [];
for await (const batch of reader.batches(1000)) {
  for (const v of batch) texts.push(summarizeVariant(v, layout).description);
  if (texts.length >= N) break;
}
await reader.close();
const provider = new LocalEmbeddingProvider();
const vectors = await provider.embedDocuments(texts.slice(0, N));
const d = provider.dimensions;
const n = vectors.length;
const sparse = new Float32Array(n * d);
vectors.forEach((v, i) => sparse.set(v, i * d));
let nonzeros = 0;
for (const x of sparse) if (x !== 0) nonzeros++;
const dense = sparse.map((x) => (x === 0 ? 1e-7 : x));
const model = fitPca(sparse.subarray(0, Math.min(n, 3072) * d), { outputDimensions: 768, providerId: provider.id, inputDimensions: d });
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
console.log(`# load average ${loadavg()[0].toFixed(2)}; ${n} vectors, ${(nonzeros / n).toFixed(1)} nonzeros of ${d} on average; 1536 → 768`);
// sparse-only: every nonzero through the sparse kernel; sparse+shared: columns every row of a
// 64-row block has (the 192 locus coordinates) through the GEMM kernel, the rest sparse.
for (const [name, data, shared] of [["dense", dense, "1"], ["sparse-only", sparse, "0"], ["sparse+shared", sparse, "1"]]) {
  process.env.VCF_AGENT_PROJECTION_SHARED = shared;
  for (const batch of [25, 1024]) {
    const p = new Projector(model);
    p.project(data, 64); // warm-up: compile and build packed copies
    const c0 = cpu();
    const t0 = performance.now();
    for (let i = 0; i + batch <= n; i += batch) p.project(data.subarray(i * d), batch);
    const c = cpu() - c0;
    const w = (performance.now() - t0) / 1000;
    console.log(`projection.${name} batch=${batch} vectorsPerCpuSecond=${Math.round(n / c)} vectorsPerSecond=${Math.round(n / w)}`);
  }
}
