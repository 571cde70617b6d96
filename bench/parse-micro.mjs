#!/usr/bin/env node
// The record parser alone: pre-decoded 32 KiB text pieces, no I/O, no zlib, no async.
// Less sensitive to machine load than bench/parse.mjs, so small parser changes show.
// Prints min / p25 / median ms of 25 passes over the file, for parsing alone, for parsing
// plus touching variantId and info("CLNSIG") on every variant, and for parsing plus typing
// every INFO field (what a parser that is eager about INFO pays on every record).
// Usage: npm run build && node bench/parse-micro.mjs [--file bench/data/gen200k_s3.vcf.gz] [--dist dist]
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { dist: { type: "string", default: "dist" }, file: { type: "string", default: "bench/data/gen200k_s3.vcf.gz" } },
});
const dist = path.resolve(root, values.dist);
const file = path.resolve(root, values.file);
const { RecordParser } = await import(path.join(dist, "vcf/record.js"));
const { OrderTracker } = await import(path.join(dist, "vcf/order.js"));
const { InfoTyper } = await import(path.join(dist, "vcf/info.js"));
const { ReaderCounters } = await import(path.join(dist, "vcf/stats.js"));

const raw = readFileSync(file);
const text = (raw[0] === 0x1f ? gunzipSync(raw) : raw).toString("latin1");
const bodyStart = text.indexOf("\n", text.indexOf("\n#CHROM") + 1) + 1;
const pieces = [];
for (let i = bodyStart; i < text.length; ) {
  let e = text.lastIndexOf("\n", i + (32 << 10));
  if (e < i) e = text.length - 1;
  pieces.push(text.slice(i, e + 1));
  i = e + 1;
}
// The header's INFO definitions, so typing works as in a real read.
const defs = new Map();
for (const m of text.slice(0, bodyStart).matchAll(/^##INFO=<ID=([^,]+),Number=([^,]+),Type=([^,]+),/gm)) defs.set(m[1], { id: m[1], number: m[2], type: m[3], description: "" });

function pass(mode) {
  const stats = new ReaderCounters(() => ({ read: 0, total: 0 }));
  const warn = (k, m) => stats.warn(k, m);
  const ctx = { source: file, header: { info: defs, samples: [] }, typer: new InfoTyper(defs, file, warn), warn };
  const parser = new RecordParser(ctx, stats, new OrderTracker(file, warn), "error");
  let n = 0;
  const t0 = performance.now();
  for (const piece of pieces) {
    const out = [];
    parser.parsePiece(piece, 0, out);
    if (mode === "touch") for (const v of out) n += v.variantId.length + (v.info("CLNSIG") === undefined ? 0 : 1);
    else if (mode === "all") for (const v of out) for (const k of v.infoKeys()) n += v.info(k) === undefined ? 0 : 1;
  }
  return { ms: performance.now() - t0, records: stats.records, n };
}

const labels = { parse: "parse only", touch: "parse + variantId + info(CLNSIG)", all: "parse + every INFO field typed" };
for (const mode of ["parse", "touch", "all"]) {
  const ms = [];
  let records = 0;
  for (let k = 0; k < 25; k++) {
    const r = pass(mode);
    ms.push(r.ms);
    records = r.records;
  }
  ms.sort((a, b) => a - b);
  const label = labels[mode];
  console.log(`${label.padEnd(34)} min ${ms[0].toFixed(1)} ms  p25 ${ms[6].toFixed(1)} ms  median ${ms[12].toFixed(1)} ms  (${Math.round(records / (ms[0] / 1000)).toLocaleString("en-US")} records/s at min)`);
}
