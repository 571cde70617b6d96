// Remote-provider throughput against a loopback server that answers every request after
// a fixed latency (default 50 ms) with deterministic 1536-d vectors, in the OpenAI wire
// format (base64, or float arrays for the comparison row) and Ollama's (/api/embed).
// The server runs in a child process, so the client's CPU time (process.cpuUsage) is the
// provider's own cost. Each cell runs `concurrency` lanes that each embed `batch` texts per call,
// bounded by a request count and a time cap, and is compared with the ideal
// batch × concurrency / latency. Batch 1 × concurrency 1 is the old way: one text per
// request, one request at a time.
// A last cell embeds rounds × batch × concurrency texts in one call. Then the ingest path: `vcf-agent ingest --provider openai` on a generated file against the same
// server (requests counted by the server, variants/s against the same bound).
// Usage: npm run bench:providers   [-- --latency 50 --rounds 10 --cap 3 --dims 1536 --ingest-n 50000 --no-ingest]
import { createServer } from "node:http";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { cpus, loadavg } from "node:os";
import { fnv1a as fnv, xorshiftVector } from "../test/providers-vectors.mjs";

const POOL = 1024;

/** Pool vector k: xorshift32 stream seeded by k (the provider tests' stand-in vectors), L2-normalized, float32. */
function poolVector(k, dims) {
  const v = xorshiftVector((k * 2654435761) >>> 0, dims);
  let n = 0;
  for (let j = 0; j < dims; j++) n += v[j] * v[j];
  const inv = 1 / Math.sqrt(n);
  for (let j = 0; j < dims; j++) v[j] *= inv;
  return v;
}

/** The vector the server returns for `text`: a pool entry chosen by the text's hash. */
function expectedVector(text, dims) {
  return poolVector(fnv(text) % POOL, dims);
}

if (process.argv[2] === "--serve") {
  // ---- server (child process) ----
  // Die with the parent, whatever way it ends.
  process.on("disconnect", () => process.exit(0));
  const latencyMs = Number(process.argv[3]);
  const dims = Number(process.argv[4]);
  // Pool entries are pre-encoded bytes; a response is a Buffer.concat of them, so the
  // server spends microseconds, not milliseconds, per megabyte it sends.
  // Pools per width: the default one, and others built on first request (a request's
  // `dimensions`, as text-embedding-3-* honour it).
  const pools = new Map();
  const poolFor = (d) => {
    let pool = pools.get(d);
    if (!pool) {
      const b64 = [];
      const floats = [];
      for (let k = 0; k < POOL; k++) {
        const v = poolVector(k, d);
        b64.push(Buffer.from(`${JSON.stringify(Buffer.from(v.buffer).toString("base64"))}}`));
        floats.push(Buffer.from(`${JSON.stringify(Array.from(v))}}`));
      }
      const floatRows = floats.map((b) => b.subarray(0, b.length - 1)); // without the closing brace
      pool = { b64, floats, floatRows };
      pools.set(d, pool);
    }
    return pool;
  };
  poolFor(dims);
  let mode = "base64";
  // Requests and texts served since the last {count: true}, for the ingest row.
  let served = 0;
  let texts = 0;
  process.on("message", (m) => {
    if (m.count) {
      process.send({ served, texts });
      served = 0;
      texts = 0;
      return;
    }
    mode = m.mode;
    process.send({ ack: mode });
  });
  const server = createServer((req, res) => {
    const t0 = performance.now();
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const input = body.input;
      served++;
      texts += input.length;
      const parts = [];
      if (req.url === "/api/embed") {
        parts.push(Buffer.from(`{"model":${JSON.stringify(body.model)},"embeddings":[`));
        input.forEach((t, i) => {
          if (i > 0) parts.push(Buffer.from(","));
          parts.push(poolFor(body.dimensions ?? dims).floatRows[fnv(t) % POOL]);
        });
        parts.push(Buffer.from("]}"));
      } else {
        const { b64, floats } = poolFor(body.dimensions ?? dims);
        const pool = mode === "base64" && body.encoding_format === "base64" ? b64 : floats;
        parts.push(Buffer.from(`{"object":"list","model":${JSON.stringify(body.model)},"data":[`));
        input.forEach((t, i) => {
          parts.push(Buffer.from(`${i > 0 ? "," : ""}{"object":"embedding","index":${i},"embedding":`));
          parts.push(pool[fnv(t) % POOL]);
        });
        parts.push(Buffer.from(`],"usage":{"prompt_tokens":${input.length},"total_tokens":${input.length}}}`));
      }
      const out = Buffer.concat(parts);
      // The answer leaves latencyMs after the request arrived, however long building it took.
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json", "content-length": out.length });
        res.end(out);
      }, Math.max(0, latencyMs - (performance.now() - t0)));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
} else {
  // ---- client (main thread) ----
  const { values } = parseArgs({
    options: {
      latency: { type: "string", default: "50" },
      rounds: { type: "string", default: "10" },
      cap: { type: "string", default: "3" },
      dims: { type: "string", default: "1536" },
      // e.g. --only 256x4 to run one openai base64 cell (for profiling)
      only: { type: "string" },
      // skip the transport comparison
      "no-transport": { type: "boolean", default: false },
      // skip the ingest row; variants it ingests
      "no-ingest": { type: "boolean", default: false },
      "ingest-n": { type: "string", default: "50000" },
    },
  });
  const latencyMs = Number(values.latency);
  const rounds = Number(values.rounds);
  const capMs = Number(values.cap) * 1000;
  const dims = Number(values.dims);

  const { OpenAIProvider } = await import("../dist/providers/remote/openai.js");
  const { OllamaProvider } = await import("../dist/providers/remote/ollama.js");

  const child = fork(fileURLToPath(import.meta.url), ["--serve", String(latencyMs), String(dims)]);
  const { port } = await new Promise((resolve) => child.once("message", resolve));
  const origin = `http://127.0.0.1:${port}`;
  const setMode = (mode) =>
    new Promise((resolve) => {
      child.once("message", resolve);
      child.send({ mode });
    });

  const text = (i) => `chr17:${43044295 + i} G>A BRCA1 missense_variant p.Arg${i % 2000}His; ClinVar pathogenic; gnomAD AF 0.0000${i % 97}`;

  function makeProvider(kind, batch, concurrency, width) {
    const common = { model: kind === "ollama" ? "bench-embed" : "text-embedding-3-small", dimensions: width, batchSize: batch, concurrency, maxRetries: 0, timeoutMs: 30_000 };
    return kind === "ollama"
      ? new OllamaProvider({ provider: "ollama", baseUrl: origin, ...common })
      : new OpenAIProvider({ provider: "openai", baseUrl: `${origin}/v1`, apiKey: "bench", ...common });
  }

  function check(v, t, width) {
    const want = expectedVector(t, width);
    if (v.length !== want.length || v.some((x, j) => x !== want[j])) throw new Error(`wrong vector for ${JSON.stringify(t)}`);
  }

  /** One cell: `concurrency` lanes, each embedding `batch` texts per call; returns variants/s. */
  async function cell(kind, batch, concurrency, width) {
    const p = makeProvider(kind, batch, concurrency, width);
    // Warm-up: two full rounds open the connections and let the JIT compile the decode
    // and validation loops at this batch size; the figures are for the steady state.
    for (let w = 0; w < 2; w++) {
      await Promise.all(Array.from({ length: concurrency }, (_, l) => p.embedDocuments(Array.from({ length: batch }, (_, i) => text(-1 - l * batch - i)))));
    }
    const maxRequests = rounds * concurrency;
    let issued = 0;
    let done = 0;
    let next = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const lane = async () => {
      while (issued < maxRequests && performance.now() - t0 < capMs) {
        issued++;
        const texts = Array.from({ length: batch }, () => text(next++));
        const out = await p.embedDocuments(texts);
        check(out[out.length - 1], texts[texts.length - 1], width);
        done += out.length;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { rate: done / seconds, requests: issued, seconds, cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / issued };
  }

  const bound = (batch, concurrency) => (batch * concurrency * 1000) / latencyMs;
  const pad = (s, n) => String(s).padStart(n);
  const rows = [];
  // Throughput here is bounded by the client's CPU once batches are large, so the machine's
  // load is part of the result.
  const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
  console.log(`# remote providers — loopback server, ${latencyMs} ms per request, ${dims}-d vectors; ≤ ${rounds} rounds or ${capMs / 1000} s per cell`);
  console.log(`# ${cpus().length} CPUs, load average at start ${load()}`);
  console.log(`${"provider".padEnd(17)} ${pad("batch", 5)} ${pad("conc", 4)} ${pad("requests", 8)} ${pad("variants/s", 10)} ${pad("bound/s", 9)} ${pad("% bound", 7)} ${pad("× old way", 9)} ${pad("cpu ms/req", 10)}`);
  let oldWay;
  const printRow = (r) =>
    console.log(
      `${r.kind.padEnd(17)} ${pad(r.batch, 5)} ${pad(r.concurrency, 4)} ${pad(r.requests, 8)} ${pad(r.rate.toFixed(0), 10)} ${pad(r.bound.toFixed(0), 9)} ${pad(((100 * r.rate) / r.bound).toFixed(1), 7)} ${pad((r.rate / oldWay).toFixed(1), 9)} ${pad(r.cpuMsPerRequest.toFixed(2), 10)}`,
    );
  const grid = [];
  for (const batch of [1, 32, 256, 2048]) for (const concurrency of [1, 4, 8]) grid.push(["openai base64", batch, concurrency]);
  // Native 768-d (text-embedding-3-* with `dimensions`): half the bytes per vector.
  grid.push(["openai b64 768-d", 256, 4], ["openai b64 768-d", 256, 8], ["openai float", 256, 4], ["ollama", 256, 4]);
  if (values.only) {
    const [b, c] = values.only.split("x").map(Number);
    grid.splice(0, grid.length, ["openai base64", 1, 1], ["openai base64", b, c]);
  }
  for (const [kind, batch, concurrency] of grid) {
    await setMode(kind === "openai float" ? "float" : "base64");
    const r = await cell(kind === "ollama" ? "ollama" : "openai", batch, concurrency, kind.includes("768") ? 768 : dims);
    oldWay ??= r.rate; // the first cell is batch 1 × concurrency 1
    rows.push({ kind, batch, concurrency, ...r, bound: bound(batch, concurrency) });
    printRow(rows[rows.length - 1]);
  }
  // One call with many batches (as `vcf-agent embed` or a large ingest window makes): the
  // provider keeps `concurrency` requests in flight and decodes each response after its
  // slot went to the next batch.
  {
    const [batch, concurrency] = values.only ? values.only.split("x").map(Number) : [256, 4];
    await setMode("base64");
    const p = makeProvider("openai", batch, concurrency, dims);
    await p.embedDocuments(Array.from({ length: batch * concurrency * 2 }, (_, i) => text(-1 - i)));
    const n = batch * concurrency * rounds;
    const texts = Array.from({ length: n }, (_, i) => text(1_000_000 + i));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const out = await p.embedDocuments(texts);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    check(out[n - 1], texts[n - 1], dims);
    const requests = Math.ceil(n / batch);
    rows.push({ kind: "openai one call", batch, concurrency, rate: n / seconds, requests, seconds, cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / requests, bound: bound(batch, concurrency) });
    printRow(rows[rows.length - 1]);
  }
  const target = rows.find((r) => r.kind === "openai base64" && r.batch === 256 && r.concurrency === 4);
  if (target && latencyMs > 0) {
    const pct = (100 * target.rate) / target.bound;
    console.log(`target: batch 256 × concurrency 4 reaches ${pct.toFixed(1)} % of the bound (goal ≥ 90 %): ${pct >= 90 ? "met" : "NOT met"}`);
    const one = rows.find((r) => r.kind === "openai one call" && r.batch === 256 && r.concurrency === 4);
    if (one) console.log(`        in one call of ${one.requests * 256} texts: ${((100 * one.rate) / one.bound).toFixed(1)} %`);
  }
  // The ingest path: `vcf-agent ingest --provider openai` against the same server, batch
  // 256 × concurrency 4, basic level (full width: the provider's path, no PCA fit).
  if (!values["no-ingest"]) {
    const { execFileSync } = await import("node:child_process");
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const { generatedVcf, cli } = await import("./_proc.mjs");
    const n = Number(values["ingest-n"]);
    const file = generatedVcf(n, 11);
    const dir = mkdtempSync(path.join(tmpdir(), "vcf-agent-bench-providers-"));
    try {
      await setMode("base64");
      const count = () =>
        new Promise((resolve) => {
          child.once("message", resolve);
          child.send({ count: true });
        });
      await count();
      const env = { ...process.env, VCF_AGENT_PROVIDER: "openai", VCF_AGENT_BASE_URL: `${origin}/v1`, OPENAI_API_KEY: "bench", VCF_AGENT_MODEL: "text-embedding-3-small", VCF_AGENT_EMBEDDING_BATCH_SIZE: "256", VCF_AGENT_EMBEDDING_CONCURRENCY: "4" };
      const out = execFileSync(process.execPath, [cli, "ingest", file, "--db", path.join(dir, "db"), "--level", "basic", "--quiet", "--format", "json"], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
      const summary = JSON.parse(out);
      const { served, texts } = await count();
      const b = bound(256, 4);
      const embedding = summary.optimization?.timings?.embeddingSeconds;
      console.log(`# ingest — vcf-agent ingest (${summary.variantsWritten} variants, basic level) --provider openai, batch 256 × concurrency 4, same server`);
      console.log(`${"path".padEnd(17)} ${pad("requests", 8)} ${pad("texts/req", 9)} ${pad("variants/s", 10)} ${pad("bound/s", 9)} ${pad("% bound", 7)} ${pad("seconds", 8)}`);
      console.log(`${"ingest openai".padEnd(17)} ${pad(served, 8)} ${pad((texts / served).toFixed(1), 9)} ${pad(summary.variantsPerSecond, 10)} ${pad(b.toFixed(0), 9)} ${pad(((100 * summary.variantsPerSecond) / b).toFixed(1), 7)} ${pad(summary.seconds.toFixed(2), 8)}`);
      if (embedding !== undefined) console.log(`(embedding phase ${embedding} s)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`# load average at end ${load()}`);
  // Transport cost alone: one 256-input base64 response at a time, client CPU per response.
  if (values["no-transport"]) {
    child.kill();
    process.exit(0);
  }
  const { nodeFetch, readText, readBytes } = await import("../dist/providers/remote/_transport.js");
  await setMode("base64");
  const payload = JSON.stringify({ model: "text-embedding-3-small", input: Array.from({ length: 256 }, (_, i) => text(i)), encoding_format: "base64" });
  const transports = [
    ["fetch + text()", async () => (await fetch(`${origin}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: payload })).text()],
    ["node:http + readText", async () => readText(await nodeFetch(`${origin}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: payload }))],
  ];
  console.log(`# transport — 256-input base64 responses, one at a time; client CPU per response (best of 5 rounds)`);
  console.log(`${"transport".padEnd(22)} ${pad("responses", 9)} ${pad("MB each", 7)} ${pad("cpu ms/resp", 11)}`);
  // Five alternating rounds, best kept: both paths get warm, and the machine's other load
  // only ever adds CPU time.
  const best = new Map();
  let bytes = 0;
  for (let round = 0; round < 5; round++) {
    for (const [name, get] of transports) {
      for (let i = 0; i < 3; i++) bytes = (await get()).length;
      const c0 = process.cpuUsage();
      for (let i = 0; i < 20; i++) await get();
      const c = process.cpuUsage(c0);
      best.set(name, Math.min(best.get(name) ?? Infinity, (c.user + c.system) / 1000 / 20));
    }
  }
  for (const [name] of transports) console.log(`${name.padEnd(22)} ${pad(20, 9)} ${pad((bytes / 1e6).toFixed(2), 7)} ${pad(best.get(name).toFixed(2), 11)}`);
  // Body parsing alone: JSON.parse of the whole text vs cutting the base64 out first.
  const { parseEmbeddingsBody } = await import("../dist/providers/remote/_openai-body.js");
  const { validateBatch } = await import("../dist/providers/remote/_validate.js");
  const bodyBytes = await readBytes(await nodeFetch(`${origin}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: payload }));
  const toVectors = (body) => validateBatch(body.data.map((d) => d.embedding), { label: "bench", count: 256, offset: 0, dimensions: dims });
  const parsers = [
    ["JSON.parse(text)", () => toVectors(JSON.parse(bodyBytes.toString("utf8")))],
    ["parseEmbeddingsBody", () => toVectors(parseEmbeddingsBody(bodyBytes))],
  ];
  console.log(`# decode — one ${(bodyBytes.length / 1e6).toFixed(2)} MB body to 256 validated Float32Arrays (best of 3 rounds)`);
  console.log(`${"parser".padEnd(22)} ${pad("cpu ms/body", 11)}`);
  const bestParse = new Map();
  for (let round = 0; round < 3; round++) {
    for (const [name, run] of parsers) {
      for (let i = 0; i < 10; i++) run();
      const c0 = process.cpuUsage();
      for (let i = 0; i < 30; i++) run();
      const c = process.cpuUsage(c0);
      bestParse.set(name, Math.min(bestParse.get(name) ?? Infinity, (c.user + c.system) / 1000 / 30));
    }
  }
  for (const [name] of parsers) console.log(`${name.padEnd(22)} ${pad(bestParse.get(name).toFixed(2), 11)}`);
  child.kill();
}
