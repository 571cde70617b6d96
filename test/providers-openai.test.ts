import { ClientRequest } from "node:http";
import { inspect } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OpenAIProvider } from "../src/providers/remote/openai.js";
import type { EmbeddingOptions } from "../src/providers/options.js";
import { ConfigError } from "../src/errors.js";
import { FAST_RETRY as FAST, base64Of, closeServers, delay, hang, openaiResponse, sendJson, startServer, vectorFor, type FakeServer, type Handler } from "./providers-fixtures.js";
import { rejection } from "./_rejection.js";

const KEY = "sk-test-SECRET1234567890";
let server: FakeServer | undefined;

afterEach(async () => {
  await closeServers();
  vi.unstubAllEnvs();
});

async function setup(handler: Handler, options: Partial<EmbeddingOptions> = {}): Promise<OpenAIProvider> {
  server = await startServer(handler);
  return new OpenAIProvider({ provider: "openai", baseUrl: `${server.origin}/v1`, apiKey: KEY, ...options }, FAST);
}

/** Answers every request correctly at width `dims`. */
const ok = (dims: number, form: "base64" | "float" = "base64"): Handler => (req, res) => sendJson(res, 200, openaiResponse(req.body.input, dims, form));

describe("OpenAI wire format", () => {
  it("sends model, input array, base64 encoding and dimensions; decodes base64 to Float32Array", async () => {
    const p = await setup(ok(256), { model: "text-embedding-3-small", dimensions: 256 });
    const texts = ["BRCA1 missense", "TP53 frameshift", "benign intronic"];
    const out = await p.embedDocuments(texts);
    expect(server!.requests).toHaveLength(1);
    const r = server!.requests[0]!;
    expect(r.method).toBe("POST");
    expect(r.url).toBe("/v1/embeddings");
    expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.body).toEqual({ model: "text-embedding-3-small", input: texts, encoding_format: "base64", dimensions: 256 });
    expect(out).toHaveLength(3);
    out.forEach((v, i) => {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toEqual(vectorFor(texts[i]!, 256));
    });
    expect(p.id).toBe("openai:text-embedding-3-small:256");
    expect(p.supportsNativeDimensions).toBe(true);
  });

  it("accepts float arrays from servers that ignore encoding_format", async () => {
    const p = await setup(ok(1536, "float"));
    const [v] = await p.embedDocuments(["x"]);
    expect(v).toEqual(vectorFor("x", 1536));
    // Default model: 1536 wide, and no `dimensions` is sent when none was asked for.
    expect(server!.requests[0]!.body).not.toHaveProperty("dimensions");
    expect(p.id).toBe("openai:text-embedding-3-small:1536");
  });

  it("orders vectors by the response's index field", async () => {
    const p = await setup((req, res) => {
      const body = openaiResponse(req.body.input, 8) as { data: unknown[] };
      body.data.reverse();
      sendJson(res, 200, body);
    }, { dimensions: 8 });
    const out = await p.embedDocuments(["a", "b", "c"]);
    expect(out.map((v) => v[0])).toEqual(["a", "b", "c"].map((t) => vectorFor(t, 8)[0]));
  });

  it("embedQuery returns one vector", async () => {
    const p = await setup(ok(16), { dimensions: 16 });
    expect(await p.embedQuery("q")).toEqual(vectorFor("q", 16));
  });

  it("learns the width of an unknown model from the first response, then holds it", async () => {
    let width = 12;
    const p = await setup((req, res) => sendJson(res, 200, openaiResponse(req.body.input, width)), { model: "BAAI/bge-small" });
    expect(p.dimensionsKnown).toBe(false);
    expect(() => p.id).toThrow(/not known yet/);
    expect(await p.resolveDimensions()).toBe(12);
    expect(p.id).toBe("openai:BAAI/bge-small:12");
    width = 10;
    const e = await rejection(p.embedDocuments(["a", "b"]));
    expect(e.message).toBe("openai BAAI/bge-small: input 0: vector has 10 values, expected 12");
  });
});

describe("batching and concurrency", () => {
  it("sends nothing for no texts", async () => {
    const p = await setup(ok(4), { dimensions: 4 });
    expect(await p.embedDocuments([])).toEqual([]);
    expect(server!.requests).toHaveLength(0);
  });

  it("holds concurrent batches of an unknown model to one width", async () => {
    // Two batches in flight before any width is known; the server answers them with different widths.
    const p = await setup(async (req, res) => {
      const second = req.body.input[0] === "b";
      await delay(second ? 150 : 10);
      sendJson(res, 200, openaiResponse(req.body.input, second ? 7 : 9));
    }, { model: "custom", batchSize: 1, concurrency: 2 });
    const e = await rejection(p.embedDocuments(["a", "b"]));
    expect(e.message).toBe("openai custom: input 1: vector has 7 values, expected 9");
  });

  it("splits 2,050 inputs into 2 requests at batchSize 2048, order kept", async () => {
    const p = await setup(ok(4), { dimensions: 4, batchSize: 2048 });
    const texts = Array.from({ length: 2050 }, (_, i) => `variant ${i}`);
    const out = await p.embedDocuments(texts);
    expect(server!.requests.map((r) => r.body.input.length).sort((a, b) => a - b)).toEqual([2, 2048]);
    expect(out).toHaveLength(2050);
    expect(out[2049]).toEqual(vectorFor("variant 2049", 4));
    expect(out[0]).toEqual(vectorFor("variant 0", 4));
  });

  it("never has more than `concurrency` requests in flight", async () => {
    const p = await setup(async (req, res) => {
      await delay(100);
      sendJson(res, 200, openaiResponse(req.body.input, 4));
    }, { dimensions: 4, batchSize: 1, concurrency: 3 });
    await p.embedDocuments(Array.from({ length: 12 }, (_, i) => `t${i}`));
    expect(server!.requests).toHaveLength(12);
    expect(server!.maxInFlight).toBe(3);
  });

  it("bounds concurrency across simultaneous calls too", async () => {
    const p = await setup(async (req, res) => {
      await delay(100);
      sendJson(res, 200, openaiResponse(req.body.input, 4));
    }, { dimensions: 4, batchSize: 2, concurrency: 2 });
    await Promise.all([p.embedDocuments(["a", "b", "c", "d"]), p.embedDocuments(["e", "f", "g", "h"])]);
    expect(server!.maxInFlight).toBe(2);
  });

  it("starts a waiting batch's request before decoding the response that freed its slot", async () => {
    const log: string[] = [];
    // The provider with its two steps logged: the request (network) and the read (decoding).
    class Logged extends OpenAIProvider {
      protected override async requestBatch(texts: readonly string[], signal: AbortSignal): Promise<() => unknown[]> {
        log.push(`send ${texts[0]}`);
        const read = await super.requestBatch(texts, signal);
        return () => {
          log.push(`read ${texts[0]}`);
          return read();
        };
      }
    }
    // When a request's body goes to the socket.
    const end = ClientRequest.prototype.end;
    vi.spyOn(ClientRequest.prototype, "end").mockImplementation(function (this: ClientRequest, ...args: unknown[]) {
      if (typeof args[0] === "string") log.push(`wire ${(JSON.parse(args[0]) as { input: string[] }).input[0]}`);
      return (end as (...a: unknown[]) => ClientRequest).apply(this, args);
    });
    server = await startServer(ok(4));
    const p = new Logged({ provider: "openai", baseUrl: `${server.origin}/v1`, apiKey: KEY, dimensions: 4, batchSize: 1, concurrency: 1 }, FAST);
    const out = await p.embedDocuments(["a", "b", "c"]);
    expect(out).toEqual(["a", "b", "c"].map((t) => vectorFor(t, 4)));
    expect(log).toEqual(["send a", "wire a", "send b", "wire b", "read a", "send c", "wire c", "read b", "read c"]);
    expect(server.maxInFlight).toBe(1);
    // Nobody waits for the slot: the response is read at once.
    log.length = 0;
    await p.embedDocuments(["d"]);
    expect(log).toEqual(["send d", "wire d", "read d"]);
    vi.restoreAllMocks();
  });

  it("a failing batch fails the whole call and stops the rest", async () => {
    const p = await setup(async (req, res, n) => {
      if (n === 0) return sendJson(res, 400, { error: { message: "input too long" } });
      await delay(50);
      sendJson(res, 200, openaiResponse(req.body.input, 4));
    }, { dimensions: 4, batchSize: 1, concurrency: 1 });
    const e = await rejection(p.embedDocuments(["a", "b", "c", "d"]));
    expect(e.message).toMatch(/HTTP 400: input too long/);
    // With concurrency 1 the failure of the first request keeps the other three from being sent.
    expect(server!.requests).toHaveLength(1);
    expect(p.requestStats.texts).toBe(0);
  });
});

describe("retries", () => {
  it("honours retry-after on 429", async () => {
    const p = await setup((req, res, n) => {
      if (n === 0) return sendJson(res, 429, { error: { message: "slow down" } }, { "retry-after": "0.2" });
      sendJson(res, 200, openaiResponse(req.body.input, 4));
    }, { dimensions: 4 });
    const t0 = performance.now();
    await p.embedDocuments(["a"]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
    const [first, second] = server!.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(195);
    expect(p.requestStats).toEqual({ requests: 2, retries: 1, texts: 1 });
  });

  it("honours retry-after-ms on 429", async () => {
    const p = await setup((req, res, n) => {
      if (n === 0) return sendJson(res, 429, { error: { message: "slow down" } }, { "retry-after-ms": "150" });
      sendJson(res, 200, openaiResponse(req.body.input, 4));
    }, { dimensions: 4 });
    await p.embedDocuments(["a"]);
    expect(server!.requests[1]!.at - server!.requests[0]!.at).toBeGreaterThanOrEqual(145);
  });

  it("retries a 500 and succeeds", async () => {
    const p = await setup((req, res, n) => {
      if (n === 0) return sendJson(res, 500, { error: { message: "boom" } });
      sendJson(res, 200, openaiResponse(req.body.input, 4));
    }, { dimensions: 4 });
    expect(await p.embedDocuments(["a"])).toEqual([vectorFor("a", 4)]);
    expect(server!.requests).toHaveLength(2);
  });

  it("gives up on repeated 503 after maxRetries, with the count in the message", async () => {
    const p = await setup((_req, res) => sendJson(res, 503, { error: { message: "overloaded" } }), { dimensions: 4, maxRetries: 2 });
    const e = await rejection(p.embedDocuments(["a"]));
    expect(e.code).toBe("PROVIDER");
    expect(e.message).toBe("openai text-embedding-3-small: HTTP 503: overloaded; gave up after 3 attempts (maxRetries 2)");
    expect(server!.requests).toHaveLength(3);
  });

  it("times out a hung request, retries it, then gives up", async () => {
    const p = await setup(hang, { dimensions: 4, timeoutMs: 150, maxRetries: 1 });
    const t0 = performance.now();
    const e = await rejection(p.embedDocuments(["a"]));
    expect(e.message).toBe("openai text-embedding-3-small: timed out after 150 ms; gave up after 2 attempts (maxRetries 1)");
    expect(server!.requests).toHaveLength(2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(295);
  });

  it("recovers when only the first attempt hangs", async () => {
    const p = await setup((req, res, n) => (n === 0 ? hang() : sendJson(res, 200, openaiResponse(req.body.input, 4))), { dimensions: 4, timeoutMs: 100 });
    expect(await p.embedDocuments(["a"])).toEqual([vectorFor("a", 4)]);
    expect(server!.requests).toHaveLength(2);
  });

  it("retries a connection cut in the middle of the body", async () => {
    const p = await setup((req, res, n) => {
      if (n === 0) {
        res.writeHead(200, { "content-type": "application/json", "content-length": "10000" });
        res.write('{"data":[');
        setTimeout(() => res.destroy(), 10);
        return;
      }
      sendJson(res, 200, openaiResponse(req.body.input, 4));
    }, { dimensions: 4 });
    expect(await p.embedDocuments(["a"])).toEqual([vectorFor("a", 4)]);
    expect(server!.requests).toHaveLength(2);
  });

  it("retries a refused connection and names the cause", async () => {
    const s = await startServer(ok(4));
    await s.close();
    const p = new OpenAIProvider({ provider: "openai", baseUrl: `${s.origin}/v1`, apiKey: KEY, dimensions: 4, maxRetries: 1 }, FAST);
    const e = await rejection(p.embedDocuments(["a"]));
    expect(e.message).toMatch(/^openai text-embedding-3-small: network error: .*ECONNREFUSED.*; gave up after 2 attempts \(maxRetries 1\)$/);
    expect(p.requestStats.requests).toBe(2);
  });

  it("does not retry a 400 and reports the server's message", async () => {
    const p = await setup((_req, res) => sendJson(res, 400, { error: { message: "'$.input' is invalid" } }), { dimensions: 4 });
    const e = await rejection(p.embedDocuments(["a"]));
    expect(e.message).toBe("openai text-embedding-3-small: HTTP 400: '$.input' is invalid (not retried)");
    expect(server!.requests).toHaveLength(1);
  });

  it("does not retry a 401 and never shows the key", async () => {
    const p = await setup((_req, res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${KEY}. You can find your API key at …` } }), { dimensions: 4 });
    const e = await rejection(p.embedDocuments(["a"]));
    expect(server!.requests).toHaveLength(1);
    expect(e.message).toMatch(/HTTP 401/);
    expect(e.message).toMatch(/check the API key/);
    expect(e.message).not.toContain("SECRET");
    expect(inspect(e, { depth: 5 })).not.toContain("SECRET");
  });
});

describe("response validation", () => {
  it("rejects truncated JSON without retrying", async () => {
    const p = await setup((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"object":"list","data":[{"index":0,"embedd');
    }, { dimensions: 4 });
    const e = await rejection(p.embedDocuments(["a"]));
    expect(e.message).toMatch(/^openai text-embedding-3-small: response was not valid JSON/);
    expect(server!.requests).toHaveLength(1);
  });

  it("rejects a vector of the wrong width", async () => {
    const p = await setup((req, res) => {
      const body = openaiResponse(req.body.input, 16) as { data: { embedding: string }[] };
      body.data[1]!.embedding = base64Of(vectorFor("short", 10));
      sendJson(res, 200, body);
    }, { dimensions: 16 });
    const e = await rejection(p.embedDocuments(["a", "b", "c"]));
    expect(e.message).toBe("openai text-embedding-3-small: input 1: vector has 10 values, expected 16");
  });

  it("rejects fewer vectors than inputs", async () => {
    const p = await setup((req, res) => sendJson(res, 200, openaiResponse(req.body.input.slice(1), 4)), { dimensions: 4 });
    const e = await rejection(p.embedDocuments(["a", "b", "c", "d"]));
    expect(e.message).toBe("openai text-embedding-3-small: response had 3 vectors for 4 inputs");
  });

  it("rejects NaN bytes in a base64 vector", async () => {
    const p = await setup((req, res) => {
      const body = openaiResponse(req.body.input, 4) as { data: { embedding: string }[] };
      const v = vectorFor("b", 4);
      v[2] = Number.NaN;
      body.data[1]!.embedding = base64Of(v);
      sendJson(res, 200, body);
    }, { dimensions: 4 });
    const e = await rejection(p.embedDocuments(["a", "b"]));
    expect(e.message).toBe("openai text-embedding-3-small: input 1: value 2 is not finite (NaN)");
  });

  it("rejects base64 whose length is not whole floats", async () => {
    const p = await setup((req, res) => {
      const body = openaiResponse(req.body.input, 4) as { data: { embedding: string }[] };
      body.data[0]!.embedding = Buffer.from([1, 2, 3, 4, 5, 6]).toString("base64");
      sendJson(res, 200, body);
    }, { dimensions: 4 });
    const e = await rejection(p.embedDocuments(["a"]));
    expect(e.message).toBe("openai text-embedding-3-small: input 0: base64 vector has 6 bytes, not a multiple of 4");
  });

  it("names the input by its position in the caller's list", async () => {
    const p = await setup((req, res) => {
      const body = openaiResponse(req.body.input, 4, "float") as { data: { embedding: unknown }[] };
      if (req.body.input[0] === "t2") body.data[1]!.embedding = [0, 1e39, 0, 0];
      sendJson(res, 200, body);
    }, { dimensions: 4, batchSize: 2 });
    const e = await rejection(p.embedDocuments(["t0", "t1", "t2", "t3"]));
    expect(e.message).toBe("openai text-embedding-3-small: input 3: value 1 is not finite (Infinity)");
  });
});

describe("abort", () => {
  it("aborts an in-flight request without retrying", async () => {
    const p = await setup(hang, { dimensions: 4 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const t0 = performance.now();
    const e = await p.embedDocuments(["a", "b"], { signal: ctl.signal }).catch((err: unknown) => err);
    expect((e as Error).name).toBe("AbortError");
    expect(performance.now() - t0).toBeLessThan(1000);
    await delay(30);
    expect(server!.requests).toHaveLength(1);
  });

  it("aborts during a retry-after wait", async () => {
    const p = await setup((_req, res) => sendJson(res, 429, {}, { "retry-after": "30" }), { dimensions: 4 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error("user stop")), 80);
    await expect(p.embedDocuments(["a"], { signal: ctl.signal })).rejects.toThrow("user stop");
    expect(server!.requests).toHaveLength(1);
  });

  it("sends nothing for an already aborted signal", async () => {
    const p = await setup(ok(4), { dimensions: 4 });
    await expect(p.embedDocuments(["a"], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
    expect(server!.requests).toHaveLength(0);
  });
});

describe("configuration and secrets", () => {
  it("requires a key for the official endpoint, not for a local server", () => {
    vi.stubEnv("OPENAI_API_KEY", "");
    expect(() => new OpenAIProvider({ provider: "openai" })).toThrow(ConfigError);
    expect(() => new OpenAIProvider({ provider: "openai" })).toThrow(/embedding\.apiKey.*OPENAI_API_KEY/);
    expect(() => new OpenAIProvider({ provider: "openai", baseUrl: "http://127.0.0.1:9/v1" })).not.toThrow();
  });

  it("takes the key from OPENAI_API_KEY", async () => {
    vi.stubEnv("OPENAI_API_KEY", "sk-from-env-000000");
    server = await startServer(ok(4));
    const p = new OpenAIProvider({ provider: "openai", baseUrl: `${server.origin}/v1`, dimensions: 4 }, FAST);
    await p.embedQuery("a");
    expect(server.requests[0]!.headers.authorization).toBe("Bearer sk-from-env-000000");
  });

  it("checks options and names the bad one", () => {
    const base = { provider: "openai", apiKey: KEY } as const;
    expect(() => new OpenAIProvider({ ...base, batchSize: 4096 })).toThrow(/embedding\.batchSize.*at most 2048/);
    expect(() => new OpenAIProvider({ ...base, baseUrl: "http://127.0.0.1:9/v1", batchSize: 4096 })).not.toThrow();
    expect(() => new OpenAIProvider({ ...base, concurrency: 0 })).toThrow(/embedding\.concurrency/);
    expect(() => new OpenAIProvider({ ...base, timeoutMs: 1.5 })).toThrow(/embedding\.timeoutMs/);
    expect(() => new OpenAIProvider({ ...base, maxRetries: -1 })).toThrow(/embedding\.maxRetries/);
    expect(() => new OpenAIProvider({ ...base, model: "text-embedding-ada-002", dimensions: 512 })).toThrow(/embedding\.dimensions.*always returns 1536/);
    expect(() => new OpenAIProvider({ ...base, model: "text-embedding-3-small", dimensions: 2000 })).toThrow(/at most 1536/);
    expect(new OpenAIProvider({ ...base, model: "text-embedding-3-large" }).dimensions).toBe(3072);
    expect(new OpenAIProvider({ ...base, model: "text-embedding-ada-002" }).supportsNativeDimensions).toBe(false);
  });

  it("never serializes or prints the key or URL credentials", () => {
    const p = new OpenAIProvider({ provider: "openai", apiKey: KEY, baseUrl: "http://user:pw-secret@127.0.0.1:9/v1" });
    const shown = [JSON.stringify(p), inspect(p, { depth: 10, showHidden: true }), String(Object.keys(p)), JSON.stringify(p.toJSON())];
    for (const s of shown) {
      expect(s).not.toContain("SECRET");
      expect(s).not.toContain("pw-secret");
    }
    expect(p.toJSON()).toMatchObject({ provider: "openai", model: "text-embedding-3-small", baseUrl: "http://127.0.0.1:9/v1", dimensions: 1536 });
  });
});

describe("ingest through an OpenAI-compatible server", () => {
  it("sends full requests of batchSize, `concurrency` at once, whatever the streaming batch", async () => {
    // 5,000 records at the streaming batch of 25: each request used to carry 25 texts, one at a time.
    const { generateVcf, tempDir } = await import("./_pipeline-helpers.js");
    const { ingestVcf } = await import("../src/pipeline/ingest.js");
    const { resolveSessionConfig } = await import("../src/config.js");
    const dir = tempDir("openai-window");
    const input = generateVcf(dir, 5000, 11);
    const p = await setup(async (req, res) => {
      await delay(20);
      sendJson(res, 200, openaiResponse(req.body.input, 64));
    }, { dimensions: 64, batchSize: 256, concurrency: 4 });
    const config = await resolveSessionConfig({ overrides: { store: { uri: `${dir}/db` }, memoryOptimization: { optimizationLevel: "basic" } } });
    expect(config.memoryOptimization.streamingBatchSize).toBe(25);
    const s = await ingestVcf({ input, config, provider: p });
    const sizes = server!.requests.map((r) => (r.body.input as string[]).length);
    const texts = sizes.reduce((a, b) => a + b, 0);
    expect(s.tableRows).toBe(s.variantsWritten);
    expect(texts).toBeGreaterThanOrEqual(s.variantsWritten);
    // Windows of 1,024 rows (256 × 4): a window's distinct misses go out as requests of 256, and
    // only its last request can be shorter (a text repeated in the window, or the end of the file).
    const windows = Math.ceil(s.variantsRead / 1024);
    expect(sizes.length).toBeLessThanOrEqual(Math.ceil(texts / 256) + windows);
    expect(sizes.filter((n) => n !== 256).length).toBeLessThanOrEqual(windows);
    expect(Math.max(...sizes)).toBe(256);
    // A window is 1,024 rows exactly (the streaming batch of 25 does not divide it: the rows
    // past it wait for the next window), so requests are about as few as the texts allow.
    expect(sizes.length).toBeLessThanOrEqual(Math.ceil(texts / 256) + 2);
    expect(server!.maxInFlight).toBe(4);
  }, 60_000);
});
