// LanceDB write memory: RSS and CPU of plain appends or merge-inserts of 768-d rows, in
// batches, with a chosen metadata cache. Isolates the store from the rest of the ingest.
// Usage: npm run build && node bench/lance-writes.mjs [--mode append|merge] [--batches 1000]
//        [--rows 1024] [--metadata-mb 32|default] [--every 200]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as lancedb from "@lancedb/lancedb";
import { VariantRowsBuilder, prepareBatch } from "../dist/store/index.js";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "append" },
    batches: { type: "string", default: "1000" },
    rows: { type: "string", default: "1024" },
    "metadata-mb": { type: "string", default: "32" },
    every: { type: "string", default: "200" },
  },
});
const BATCHES = Number(values.batches);
const ROWS = Number(values.rows);
const EVERY = Number(values.every);
const META = values["metadata-mb"];
const dir = mkdtempSync(path.join(tmpdir(), "vcf-agent-bench-lance-"));
const session = META === "default" ? undefined : new lancedb.Session(BigInt(1024 << 20), BigInt(Number(META) << 20));
const db = await lancedb.connect(dir, session ? { session } : {});
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const rssMb = () => Math.round(process.memoryUsage.rss() / 1048576);
console.log(`# load average ${loadavg()[0].toFixed(2)}; mode=${values.mode} batches=${BATCHES} rows=${ROWS} metadataCacheMb=${META}`);
let table = null;
let id = 0;
const c0 = cpu();
const t0 = performance.now();
for (let b = 0; b < BATCHES; b++) {
  const builder = new VariantRowsBuilder(768, ROWS, "bench.vcf");
  const v = new Float32Array(768);
  for (let i = 0; i < ROWS; i++) {
    id++;
    v.fill(0);
    v[id % 768] = 0.8;
    v[(id * 7) % 768] += 0.6;
    const pos = 1000 + id;
    builder.push(
      { variantId: `1-${pos}-A-G`, chrom: "1", pos, ref: "A", alt: "G", id: "", qual: 50, filter: "PASS", gene: "BRCA1", consequence: "missense_variant",
        clinicalSignificance: "Pathogenic", condition: "Hereditary cancer", af: 0.01,
        description: `Variant at chromosome 1 position ${pos} reference allele A to alternate allele G in gene BRCA1 with consequence missense_variant clinical significance Pathogenic` },
      v,
    );
  }
  const batch = prepareBatch(builder.build(), "bench").table;
  if (table === null) table = await db.createTable("v", batch);
  else if (values.mode === "append") await table.add(batch);
  else await table.mergeInsert("variant_id").whenNotMatchedInsertAll().execute(batch);
  if ((b + 1) % EVERY === 0 || b === BATCHES - 1) console.log(`lance.writes batches=${b + 1} rows=${(b + 1) * ROWS} rssMb=${rssMb()}`);
}
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024;
console.log(`lance.total mode=${values.mode} rows=${BATCHES * ROWS} seconds=${((performance.now() - t0) / 1000).toFixed(1)} cpuSeconds=${(cpu() - c0).toFixed(1)} peakRssMb=${hwm.toFixed(0)}`);
table?.close();
db.close();
rmSync(dir, { recursive: true, force: true });
