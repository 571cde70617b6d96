// LanceDB write cost: CPU, memory and page faults of writing 768-d variant rows in batches,
// isolated from the rest of the ingest (no parsing, embedding or projection).
//
// --via lancedb  LanceDB's own Table.add / mergeInsert on the Arrow table from prepareBatch
// --via store    VariantStore.addBatch (append when --mode append, else merge-insert)
// --via writer   the ingest's TableWriter: rows pushed one at a time, one write in flight
//                overlapping the next batch, Bloom-filtered append/merge choice (the ingest path)
// --via encode   no LanceDB: rows builder → prepareBatch → IPC file in a reused buffer, the
//                JavaScript side of a write alone
// --via prepare  prepareBatch alone (checks, Arrow columns), on batches of fresh strings built
//                before each group of 20 is timed
// --via ingest   the whole ingest in this process (ingestVcf, standard level, local embedder)
//                of --input with --rows rows per write: how the write size plays out end to end
//
// Usage: npm run build && node bench/lance-writes.mjs [--via lancedb|store|writer|encode|prepare|ingest]
//        [--input bench/data/gen100k_seed7.vcf.gz] [--final merge,lookup:K,…]
// --final (with --via store): more batches after the others, K of each one's ids stored
// (default half), written by merge-insert or by a look-up of those ids + append (mayBeStored);
// one `lance.final` line each.
//        [--mode append|merge] [--batches 200] [--rows 2048] [--dims 768]
//        [--vectors dense|sparse] [--metadata-mb 32|default] [--every 50] [--smaps]
// Prints a `lance.writes` line every --every batches and one `lance.total` line; --smaps adds
// a `lance.smaps` line: resident memory at the end by kind of mapping.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
// LanceDB reads TOKIO_WORKER_THREADS etc. when it loads: set them in the environment of this command.
import { VariantRowsBuilder, VariantStore, prepareBatch } from "../dist/store/index.js";
import * as lancedb from "@lancedb/lancedb";
import { TableWriter } from "../dist/pipeline/_writer.js";
import { SentIds } from "../dist/pipeline/_id-filter.js";

const { values } = parseArgs({
  options: {
    via: { type: "string", default: "lancedb" },
    mode: { type: "string", default: "append" },
    batches: { type: "string", default: "200" },
    rows: { type: "string", default: "2048" },
    dims: { type: "string", default: "768" },
    vectors: { type: "string", default: "dense" },
    "metadata-mb": { type: "string", default: "32" },
    every: { type: "string", default: "50" },
    smaps: { type: "boolean", default: false },
    input: { type: "string", default: "bench/data/gen100k_seed7.vcf.gz" },
    final: { type: "string" },
    db: { type: "string" },
    "first-id": { type: "string", default: "0" },
  },
});
const VIA = values.via;
const MODE = values.mode;
const BATCHES = Number(values.batches);
const ROWS = Number(values.rows);
const DIMS = Number(values.dims);
const EVERY = Number(values.every);
const META = values["metadata-mb"];
if (!["lancedb", "store", "writer", "encode", "prepare", "ingest"].includes(VIA)) throw new Error(`--via ${VIA}: use lancedb, store, writer, encode, prepare or ingest`);
for (const step of (values.final ?? "").split(",").filter(Boolean)) {
  if (!/^(merge|lookup)(:\d+)?$/.test(step)) throw new Error(`--final ${step}: use merge, lookup, merge:K or lookup:K`);
}
if (!["append", "merge"].includes(MODE)) throw new Error(`--mode ${MODE}: use append or merge`);
if (!["dense", "sparse"].includes(values.vectors)) throw new Error(`--vectors ${values.vectors}: use dense or sparse`);

// --db DIR (with --via lancedb): append to table "v" there when it exists, and keep it;
// --first-id N numbers the rows after N (a later process appending to the same table).
const dir = values.db ?? mkdtempSync(path.join(tmpdir(), "vcf-agent-bench-lance-"));

/** user + system CPU of the process (all threads) and of the main thread alone, seconds. */
function cpu() {
  const u = process.cpuUsage();
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1].split(" ");
  return { all: (u.user + u.system) / 1e6, main: (Number(fields[11]) + Number(fields[12])) / 100 };
}
const status = () => readFileSync("/proc/self/status", "utf8");
const kb = (s, key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? 0);
const rssMb = () => Math.round(process.memoryUsage.rss() / 1048576);

// Deterministic unit vectors, computed before the clock starts (a pool of 1,024 reused in
// turn) so that the figures are the write path's. Dense (every component set, like PCA
// output) is the default because the bytes LanceDB encodes are what this measures; sparse
// (two nonzeros) reproduces older figures.
const POOL = 1024;
const pool = new Float32Array(POOL * DIMS);
for (let p = 0; p < POOL; p++) {
  const v = pool.subarray(p * DIMS, (p + 1) * DIMS);
  if (values.vectors === "sparse") {
    v[p % DIMS] = 0.8;
    v[(p * 7) % DIMS] += 0.6;
    continue;
  }
  let norm = 0;
  for (let j = 0; j < DIMS; j++) {
    const x = Math.sin(p * 0.618 + j * 1.7);
    v[j] = x;
    norm += x * x;
  }
  const s = 1 / Math.sqrt(norm);
  for (let j = 0; j < DIMS; j++) v[j] *= s;
}
const vectorFor = (id) => pool.subarray((id % POOL) * DIMS, (id % POOL + 1) * DIMS);
function rowFor(id) {
  const pos = 1000 + id;
  return {
    variantId: `1-${pos}-A-G`, chrom: "1", pos, ref: "A", alt: "G", id: "", qual: 50, filter: "PASS", gene: "BRCA1",
    consequence: "missense_variant", clinicalSignificance: "Pathogenic", condition: "Hereditary cancer", af: 0.01,
    description: `Variant at chromosome 1 position ${pos} reference allele A to alternate allele G in gene BRCA1 with consequence missense_variant clinical significance Pathogenic`,
  };
}

console.log(
  `# load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; via=${VIA} mode=${MODE} batches=${BATCHES} rows=${ROWS} dims=${DIMS} ` +
    `vectors=${values.vectors} metadataCacheMb=${META}` +
    `${Object.keys(process.env).filter((k) => /^(LANCE|MALLOC|TOKIO)/.test(k)).map((k) => ` ${k}=${process.env[k]}`).join("")}`,
);
const sessionOf = () => (META === "default" ? undefined : new lancedb.Session(BigInt(1024 << 20), BigInt(Number(META) << 20)));
const report = (b) => {
  if ((b + 1) % EVERY === 0 || b === BATCHES - 1) console.log(`lance.writes batches=${b + 1} rows=${(b + 1) * ROWS} rssMb=${rssMb()}`);
};

const f0 = process.resourceUsage();
const c0 = cpu();
const t0 = performance.now();
let id = Number(values["first-id"]);
let close = () => {};
/** Rows written (the ingest mode: rows of the table it made). */
let written = BATCHES * ROWS;
if (VIA === "prepare") {
  // Main-thread CPU of prepareBatch only; the rows (new strings, as the pipeline makes) are
  // built outside the measured spans.
  let spent = 0;
  for (let done = 0; done < BATCHES; ) {
    const group = [];
    for (let g = 0; g < 20 && done < BATCHES; g++, done++) {
      const builder = new VariantRowsBuilder(DIMS, ROWS, "bench.vcf");
      for (let i = 0; i < ROWS; i++) builder.push(rowFor(++id), vectorFor(id));
      group.push(builder.build());
    }
    const c = cpu().main;
    for (const rows of group) prepareBatch(rows, "bench");
    spent += cpu().main - c;
  }
  console.log(`lance.prepare batches=${BATCHES} rowsPerBatch=${ROWS} mainThreadMsPerBatch=${((spent * 1000) / BATCHES).toFixed(2)} loadEnd=${loadavg()[0].toFixed(2)}`);
  process.exit(0);
}

if (VIA === "lancedb") {
  const session = sessionOf();
  const db = await lancedb.connect(dir, session ? { session } : {});
  let table = (await db.tableNames()).includes("v") ? await db.openTable("v") : null;
  for (let b = 0; b < BATCHES; b++) {
    const builder = new VariantRowsBuilder(DIMS, ROWS, "bench.vcf");
    for (let i = 0; i < ROWS; i++) builder.push(rowFor(++id), vectorFor(id));
    const batch = prepareBatch(builder.build(), "bench").table;
    if (table === null) table = await db.createTable("v", batch);
    else if (MODE === "append") await table.add(batch);
    else await table.mergeInsert("variant_id").whenNotMatchedInsertAll().execute(batch);
    report(b);
  }
  close = () => {
    table?.close();
    db.close();
  };
} else if (VIA === "ingest") {
  const { ingestVcf, resolveSessionConfig } = await import("../dist/index.js");
  const config = await resolveSessionConfig({ env: {}, overrides: { store: { uri: dir }, memoryOptimization: { optimizationLevel: "standard" } } });
  const s = await ingestVcf({ input: values.input, config, writeBatchRows: ROWS });
  written = s.tableRows;
  console.log(`lance.ingest input=${values.input} variants=${s.variantsRead} tableRows=${s.tableRows} writes=${JSON.stringify(s.writes)}`);
} else if (VIA === "encode") {
  const { writeIpcFile } = await import("../dist/store/_native-write.js");
  const builder = new VariantRowsBuilder(DIMS, ROWS, "bench.vcf");
  let buffer = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  for (let b = 0; b < BATCHES; b++) {
    for (let i = 0; i < ROWS; i++) builder.push(rowFor(++id), vectorFor(id));
    const rows = builder.build();
    const file = writeIpcFile(prepareBatch(rows, "bench").table, buffer);
    buffer = file.buffer;
    bytes += file.bytes.length;
    builder.recycle(rows);
    report(b);
  }
  console.log(`lance.encode ipcBytesPerRow=${Math.round(bytes / (BATCHES * ROWS))}`);
} else {
  const store = await VariantStore.connect(dir, { table: "v", ...(META === "default" ? {} : { metadataCacheMb: Number(META) }) });
  close = () => store.close();
  if (VIA === "store") {
    const builder = new VariantRowsBuilder(DIMS, ROWS, "bench.vcf");
    for (let b = 0; b < BATCHES; b++) {
      for (let i = 0; i < ROWS; i++) builder.push(rowFor(++id), vectorFor(id));
      await store.addBatch(builder.build(), { knownNew: MODE === "append" });
      report(b);
    }
    // Extra batches after the others, each with K ids already stored (default half the batch):
    // merge-insert, or a look-up of those K ids + append. --final merge,lookup:16,lookup:1024
    for (const step of (values.final ?? "").split(",").filter(Boolean)) {
      const [how, k] = step.split(":");
      const stored = Math.min(Number(k ?? ROWS / 2), ROWS); // the batch's first `stored` ids are in the table
      const first = id - stored;
      for (let i = 0; i < ROWS; i++) builder.push(rowFor(first + i + 1), vectorFor(first + i + 1));
      id = first + ROWS;
      const rows = builder.build();
      const options = how === "lookup" ? { mayBeStored: rows.variantId.slice(0, stored) } : {};
      const before = { c: cpu().all, t: performance.now(), hwm: kb(status(), "VmHWM"), rss: kb(status(), "VmRSS") };
      const r = await store.addBatch(rows, options);
      const s = status();
      console.log(
        `lance.final ${step} method=${r.method} inserted=${r.inserted} skipped=${r.skipped} seconds=${((performance.now() - before.t) / 1000).toFixed(2)} ` +
          `cpuSeconds=${(cpu().all - before.c).toFixed(2)} rssBeforeMb=${Math.round(before.rss / 1024)} peakBeforeMb=${Math.round(before.hwm / 1024)} peakAfterMb=${Math.round(kb(s, "VmHWM") / 1024)}`,
      );
    }
  } else {
    // The writer appends only while it owns the table (an id filter); without one it merges.
    let b = 0;
    const writer = new TableWriter(store, "bench.vcf", ROWS, MODE === "append" ? new SentIds() : null, async () => report(b++));
    // Hand rows over in the ingest's projection blocks of 256.
    const BLOCK = 256;
    for (let done = 0; done < BATCHES * ROWS; done += BLOCK) {
      const rows = [];
      const vectors = [];
      for (let i = 0; i < BLOCK && done + i < BATCHES * ROWS; i++) {
        rows.push(rowFor(++id));
        vectors.push(vectorFor(id).slice());
      }
      await writer.add(rows, vectors);
    }
    await writer.close();
  }
}
const seconds = (performance.now() - t0) / 1000;
const c1 = cpu();
const f1 = process.resourceUsage();
const s = status();
const rows = written;
const cpuSeconds = c1.all - c0.all;
console.log(
  `lance.total via=${VIA} mode=${MODE} rows=${rows} rowsPerWrite=${ROWS} seconds=${seconds.toFixed(1)} cpuSeconds=${cpuSeconds.toFixed(1)} ` +
    `mainThreadCpuSeconds=${(c1.main - c0.main).toFixed(1)} rowsPerCpuSecond=${Math.round(rows / cpuSeconds)} ` +
    `peakRssMb=${Math.round(kb(s, "VmHWM") / 1024)} endRssMb=${Math.round(kb(s, "VmRSS") / 1024)} ` +
    `minorFaults=${f1.minorPageFault - f0.minorPageFault} threads=${kb(s, "Threads")} loadEnd=${loadavg()[0].toFixed(2)}`,
);
if (values.smaps) {
  const g = smapsGroups();
  const mb = (kb) => Math.round(kb / 1024);
  console.log(`lance.smaps heapMb=${mb(g.heap)} arenasMb=${mb(g.arenas)} arenas=${g.arenaCount} otherAnonMb=${mb(g.otherAnon)} filesMb=${mb(g.files)}`);
}
close();
if (values.db === undefined) rmSync(dir, { recursive: true, force: true });

/**
 * Resident kB by kind of mapping: the main malloc heap, glibc's per-thread arenas (64 MiB
 * reservations: a read-write part followed by an inaccessible rest), other anonymous memory
 * (V8 heap, large mmapped buffers, stacks) and file-backed pages (code).
 */
function smapsGroups() {
  const maps = [];
  let cur = null;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: parseInt(head[1], 16), end: parseInt(head[2], 16), perms: head[3], path: head[4], rss: 0 };
      maps.push(cur);
    } else if (cur && line.startsWith("Rss:")) cur.rss = Number(/(\d+)/.exec(line)[1]);
  }
  const g = { heap: 0, arenas: 0, arenaCount: 0, otherAnon: 0, files: 0 };
  const ARENA = 64 << 20;
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    const next = maps[i + 1];
    if (m.path === "[heap]") g.heap += m.rss;
    else if (m.path !== "" && !m.path.startsWith("[anon")) g.files += m.rss;
    else if (m.end - m.start === ARENA || (next && next.start === m.end && next.perms.startsWith("---") && next.end - m.start === ARENA)) {
      g.arenas += m.rss;
      g.arenaCount++;
    } else g.otherAnon += m.rss;
  }
  return g;
}
