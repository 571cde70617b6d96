// Describe and local-embedding throughput, single-threaded.
// 1. annotate + describe (summarizeVariant) on fresh variants from the reader (reading
//    is timed separately and excluded), for ClinVar-style generated records and the
//    real ExAC VEP CSQ and SnpEff ANN files (repeated in memory).
// 2. LocalEmbeddingProvider.embedDocuments on those descriptions, in batches of 1000
//    whose outputs are dropped, as a streaming ingest would.
// Rates are per wall second and per CPU second (process.cpuUsage: user + system), the
// latter being the stable figure on a shared machine.
// Run: npm run build && node bench/describe-embed.mjs   [BENCH_DESCRIBE_N=100000]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { LocalEmbeddingProvider } from "../dist/providers/index.js";
import { annotationLayout, openVcf, summarizeVariant } from "../dist/vcf/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const shared = join(here, "..", "..", "shared");
const N = Number(process.env.BENCH_DESCRIBE_N ?? 100000);
const dataDir = join(here, "data");
const genFile = join(dataDir, `gen${N / 1000}k_seed1.vcf`);
if (!existsSync(genFile)) {
  mkdirSync(dataDir, { recursive: true });
  execFileSync("sh", ["-c", `python3 "${join(shared, "tools", "gen_vcf.py")}" --n ${N} --seed 1 > "${genFile}"`]);
}
const ROUNDS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Runs `fn` and returns [wall seconds, CPU seconds]. */
function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1e6];
}
async function timedAsync(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1e6];
}

/** Reads all variants of `file` (fresh objects: INFO is parsed lazily on first use). */
async function load(file, repeat) {
  const out = [];
  for (let r = 0; r < repeat; r++) {
    const reader = await openVcf(file);
    for await (const batch of reader.batches(4096)) out.push(...batch);
    if (r === 0) out.layout = annotationLayout(reader.header);
  }
  return out;
}

const inputs = [
  ["gen_vcf --seed 1 (ClinVar style)", genFile, 1],
  ["ExAC chr1 VEP77 CSQ x200", join(shared, "data", "real", "exac_GRCh37_chr1_vep77_csq.vcfanno.vcf.gz"), 200],
  ["1kg chr22 SnpEff ANN x1000", join(shared, "data", "real", "1kg_chr22_snpeff41_ann.SnpEff.vcf"), 1000],
];

console.log("# annotate + describe (summarizeVariant), median of 3 fresh passes");
console.log("input                               variants  variants/s(wall)  variants/s(cpu)");
let descriptions = [];
for (const [name, file, repeat] of inputs) {
  const wall = [];
  const cpu = [];
  let count = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const variants = await load(file, repeat);
    const layout = variants.layout;
    const texts = new Array(variants.length);
    const [w, c] = timed(() => {
      for (let i = 0; i < variants.length; i++) texts[i] = summarizeVariant(variants[i], layout).description;
    });
    wall.push(variants.length / w);
    cpu.push(variants.length / c);
    count = variants.length;
    if (file === genFile) descriptions = texts;
  }
  console.log(`${name.padEnd(34)} ${String(count).padStart(9)} ${String(Math.round(median(wall))).padStart(17)} ${String(Math.round(median(cpu))).padStart(16)}`);
}

console.log("\n# LocalEmbeddingProvider.embedDocuments, batches of 1000, outputs dropped");
console.log("provider                    texts  texts/s(wall)  texts/s(cpu)  texts/s(best wall)");
const provider = new LocalEmbeddingProvider();
await provider.embedDocuments(descriptions.slice(0, 5000)); // warm-up
const wall = [];
const cpu = [];
for (let round = 0; round < ROUNDS; round++) {
  let sink = 0;
  const [w, c] = await timedAsync(async () => {
    for (let i = 0; i < descriptions.length; i += 1000) {
      const vs = await provider.embedDocuments(descriptions.slice(i, i + 1000));
      sink += vs[0][0];
    }
  });
  wall.push(descriptions.length / w);
  cpu.push(descriptions.length / c);
  if (Number.isNaN(sink)) throw new Error("NaN in embeddings");
}
console.log(`${provider.id.padEnd(24)} ${String(descriptions.length).padStart(8)} ${String(Math.round(median(wall))).padStart(14)} ${String(Math.round(median(cpu))).padStart(13)} ${String(Math.round(Math.max(...wall))).padStart(19)}`);
