#!/usr/bin/env node
// VCF parsing throughput, side by side on one file in one run:
//   vcf-agent   — dist/vcf (every Variant; touches variantId and info("CLNSIG"))
//   bcftools    — `bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\n' FILE > /dev/null` (wall time incl. process start)
//   @gmod/vcf   — streaming gunzip + VCFParser.parseLine on every line (touches INFO.CLNSIG)
//   describe    — `vcf-agent describe FILE --format jsonl|tsv > /dev/null`, end to end (process start
//                 included), beside `bcftools query` of the same fields (ID, QUAL, FILTER and the
//                 ClinVar INFO fields as well), ratio against that
// Runs are interleaved (a, b, c, a, b, c, …) so machine load hits all three alike.
// Usage: node bench/parse.mjs [--runs 3] [--file bench/data/gen200k_s3.vcf.gz]
import { spawn, execFileSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { isAscii } from "node:buffer";
import { loadavg, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createGunzip } from "node:zlib";
import VCF from "@gmod/vcf";
import { openVcf } from "../dist/vcf/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { runs: { type: "string", default: "3" }, file: { type: "string", default: "bench/data/gen200k_s3.vcf.gz" } },
});
const runs = Number(values.runs);
const file = path.resolve(root, values.file);

if (!existsSync(file)) {
  // The default file: 200,000 generated records (deterministic), gzip-compressed.
  mkdirSync(path.dirname(file), { recursive: true });
  console.log(`creating ${path.relative(root, file)} …`);
  const text = execFileSync("python3", [path.resolve(root, "../shared/tools/gen_vcf.py"), "--n", "200000", "--seed", "3"], { maxBuffer: 1 << 30 });
  writeFileSync(file, execFileSync("gzip", ["-c"], { input: text, maxBuffer: 1 << 30 }));
}

async function ours() {
  const reader = await openVcf(file);
  let touched = 0;
  for await (const batch of reader.batches(1000)) {
    for (const v of batch) {
      touched += v.variantId.length;
      if (v.info("CLNSIG") !== undefined) touched++;
    }
  }
  return { records: reader.stats.records, variants: reader.stats.variants, touched };
}

function bcftools() {
  return new Promise((resolve, reject) => {
    const child = spawn("bcftools", ["query", "-f", "%CHROM\t%POS\t%REF\t%ALT\n", file], { stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve({}) : reject(new Error(`bcftools exited with ${code}`))));
  });
}

function proc(cmd, args) {
  return () =>
    new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve({}) : reject(new Error(`${cmd} exited with ${code}`))));
    });
}
const cli = path.join(root, "dist", "cli", "main.js");
// The INFO fields describe reads, those of them the file's header defines (bcftools refuses others).
const header = execFileSync("bcftools", ["view", "-h", file], { encoding: "utf8", maxBuffer: 1 << 26 });
const infoTags = ["GENEINFO", "MC", "CLNSIG", "CLNREVSTAT", "CLNDN", "AF", "CSQ", "ANN"].filter((t) => header.includes(`##INFO=<ID=${t},`));
const DESCRIBE_FIELDS = ["%CHROM", "%POS", "%ID", "%REF", "%ALT", "%QUAL", "%FILTER", ...infoTags.map((t) => `%INFO/${t}`)].join("\t") + "\n";

async function gmod() {
  // Same streaming gunzip and chunk decoding as ours, so the comparison is about parsing.
  const gunzip = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }));
  const headerLines = [];
  let parser;
  let carry = "";
  let records = 0;
  let variants = 0;
  let touched = 0;
  const onLine = (line) => {
    if (line.length === 0) return;
    if (parser === undefined) {
      headerLines.push(line);
      if (line.startsWith("#CHROM")) parser = new VCF({ header: headerLines.join("\n") });
      return;
    }
    const v = parser.parseLine(line);
    records++;
    variants += v.ALT === undefined ? 0 : v.ALT.length;
    if (v.INFO.CLNSIG !== undefined) touched++;
  };
  for await (const chunk of gunzip) {
    const text = carry + chunk.toString(isAscii(chunk) ? "latin1" : "utf8");
    let s = 0;
    for (let e = text.indexOf("\n"); e !== -1; e = text.indexOf("\n", s)) {
      onLine(text.slice(s, e));
      s = e + 1;
    }
    carry = text.slice(s);
  }
  onLine(carry);
  return { records, variants, touched };
}

const tools = [
  { name: "vcf-agent", run: ours },
  { name: "bcftools query", run: bcftools },
  { name: "@gmod/vcf", run: gmod },
  { name: "bcftools fields", run: proc("bcftools", ["query", "-f", DESCRIBE_FIELDS, file]) },
  { name: "describe jsonl", run: proc(process.execPath, [cli, "describe", file, "--format", "jsonl"]) },
  { name: "describe tsv", run: proc(process.execPath, [cli, "describe", file, "--format", "tsv"]) },
];
const times = new Map(tools.map((t) => [t.name, []]));
let counts;
for (let r = 0; r < runs; r++) {
  for (const t of tools) {
    const t0 = process.hrtime.bigint();
    const result = await t.run();
    times.get(t.name).push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (t.name === "vcf-agent") counts = result;
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString("en-US");
const bcfBest = Math.min(...times.get("bcftools query"));
const fieldsBest = Math.min(...times.get("bcftools fields"));
console.log(`file: ${path.relative(root, file)} (${(statSync(file).size / 1e6).toFixed(1)} MB gzip, ${fmt(counts.records)} records, ${fmt(counts.variants)} variants after splitting)`);
console.log(`runs: ${runs}, interleaved; node ${process.version}; ${cpus().length} CPUs; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log("records/s and variants/s from the best run; ratio = best records/s ÷ bcftools best records/s (describe rows: ÷ bcftools fields, the same fields printed)");
console.log(["tool".padEnd(16), "best s".padStart(8), "median s".padStart(9), "records/s".padStart(12), "variants/s".padStart(12), "vs bcftools".padStart(12)].join(" "));
for (const t of tools) {
  const xs = times.get(t.name);
  const best = Math.min(...xs);
  console.log(
    [
      t.name.padEnd(16),
      best.toFixed(3).padStart(8),
      median(xs).toFixed(3).padStart(9),
      fmt(counts.records / best).padStart(12),
      fmt(counts.variants / best).padStart(12),
      `${((t.name.startsWith("describe") ? fieldsBest : bcfBest) / best).toFixed(2)}x`.padStart(12),
    ].join(" "),
  );
}
