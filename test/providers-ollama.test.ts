import { afterEach, describe, expect, it } from "vitest";
import { OllamaProvider } from "../src/providers/remote/ollama.js";
import type { EmbeddingOptions } from "../src/providers/options.js";
import { FAST_RETRY as FAST, closeServers, delay, hang, ollamaResponse, sendJson, startServer, vectorFor, type FakeServer, type Handler } from "./providers-fixtures.js";
import { rejection } from "./_rejection.js";

let server: FakeServer | undefined;

afterEach(closeServers);

async function setup(handler: Handler, options: Partial<EmbeddingOptions> = {}): Promise<OllamaProvider> {
  server = await startServer(handler);
  return new OllamaProvider({ provider: "ollama", baseUrl: server.origin, ...options }, FAST);
}

const ok = (dims: number): Handler => (req, res) => sendJson(res, 200, ollamaResponse(req.body.input, dims));

describe("Ollama wire format", () => {
  it("posts model and an input array to /api/embed and reads float arrays", async () => {
    const p = await setup(ok(768));
    const texts = ["BRCA1 missense", "TP53 frameshift"];
    const out = await p.embedDocuments(texts);
    const r = server!.requests[0]!;
    expect(r.method).toBe("POST");
    expect(r.url).toBe("/api/embed");
    expect(r.body).toEqual({ model: "nomic-embed-text", input: texts });
    expect(r.headers.authorization).toBeUndefined();
    expect(out).toEqual(texts.map((t) => vectorFor(t, 768)));
    expect(p.id).toBe("ollama:nomic-embed-text:768");
    expect(p.supportsNativeDimensions).toBe(false);
  });

  it("knows the width of mxbai-embed-large:latest before any request", () => {
    const p = new OllamaProvider({ provider: "ollama", model: "mxbai-embed-large:latest" });
    expect(p.dimensions).toBe(1024);
  });

  it("learns an unknown model's width from the first response, then holds it", async () => {
    let width = 5;
    const p = await setup((req, res) => sendJson(res, 200, ollamaResponse(req.body.input, width)), { model: "snowflake-arctic-embed:s" });
    expect(() => p.dimensions).toThrow(/ollama snowflake-arctic-embed:s: vector width not known yet/);
    await p.embedDocuments(["a"]);
    expect(p.id).toBe("ollama:snowflake-arctic-embed:s:5");
    width = 6;
    const e = await rejection(p.embedDocuments(["b"]));
    expect(e.message).toBe("ollama snowflake-arctic-embed:s: input 0: vector has 6 values, expected 5");
  });

  it("sends declared dimensions and an API key as a bearer token", async () => {
    const p = await setup(ok(256), { dimensions: 256, apiKey: "proxy-token-XYZ" });
    await p.embedQuery("a");
    expect(server!.requests[0]!.body).toEqual({ model: "nomic-embed-text", input: ["a"], dimensions: 256 });
    expect(server!.requests[0]!.headers.authorization).toBe("Bearer proxy-token-XYZ");
    expect(JSON.stringify(p)).not.toContain("XYZ");
  });

  it("bounds in-flight requests and batches by batchSize", async () => {
    const p = await setup(async (req, res) => {
      await delay(80);
      sendJson(res, 200, ollamaResponse(req.body.input, 4));
    }, { dimensions: 4, batchSize: 3, concurrency: 2 });
    const texts = Array.from({ length: 20 }, (_, i) => `v${i}`);
    const out = await p.embedDocuments(texts);
    expect(server!.requests.map((r) => r.body.input.length).sort((a, b) => a - b)).toEqual([2, 3, 3, 3, 3, 3, 3]);
    expect(server!.maxInFlight).toBe(2);
    expect(out).toEqual(texts.map((t) => vectorFor(t, 4)));
  });
});

describe("Ollama faults", () => {
  it("honours retry-after on 429", async () => {
    const p = await setup((req, res, n) => {
      if (n === 0) return sendJson(res, 429, { error: "busy" }, { "retry-after": "0.2" });
      sendJson(res, 200, ollamaResponse(req.body.input, 768));
    });
    await p.embedDocuments(["a"]);
    expect(server!.requests[1]!.at - server!.requests[0]!.at).toBeGreaterThanOrEqual(195);
  });

  it("retries a 500 then succeeds", async () => {
    const p = await setup((req, res, n) => (n === 0 ? sendJson(res, 500, { error: "llama runner crashed" }) : sendJson(res, 200, ollamaResponse(req.body.input, 768))));
    expect(await p.embedQuery("a")).toEqual(vectorFor("a", 768));
    expect(p.requestStats).toEqual({ requests: 2, retries: 1, texts: 1 });
  });

  it("gives up on repeated 503 with the attempt count", async () => {
    const p = await setup((_req, res) => sendJson(res, 503, { error: "server busy" }), { maxRetries: 3 });
    const e = await rejection(p.embedQuery("a"));
    expect(e.message).toBe("ollama nomic-embed-text: HTTP 503: server busy; gave up after 4 attempts (maxRetries 3)");
    expect(server!.requests).toHaveLength(4);
  });

  it("does not retry a missing model and says how to get it", async () => {
    const p = await setup((_req, res) => sendJson(res, 404, { error: 'model "nomic-embed-text" not found, try pulling it first' }));
    const e = await rejection(p.embedQuery("a"));
    expect(e.message).toMatch(/^ollama nomic-embed-text: HTTP 404: .*not found.*\(try: ollama pull nomic-embed-text\) \(not retried\)$/);
    expect(server!.requests).toHaveLength(1);
  });

  it("times out a hung request, retries, then gives up", async () => {
    const p = await setup(hang, { timeoutMs: 100, maxRetries: 2 });
    const e = await rejection(p.embedQuery("a"));
    expect(e.message).toBe("ollama nomic-embed-text: timed out after 100 ms; gave up after 3 attempts (maxRetries 2)");
    expect(server!.requests).toHaveLength(3);
  });

  it("retries a refused connection and reports it as a network error", async () => {
    const s = await startServer(ok(4));
    const origin = s.origin;
    await s.close();
    const p = new OllamaProvider({ provider: "ollama", baseUrl: origin, dimensions: 4, maxRetries: 1 }, FAST);
    const e = await rejection(p.embedQuery("a"));
    expect(e.message).toMatch(/^ollama nomic-embed-text: network error: fetch failed \(.*ECONNREFUSED.*\); gave up after 2 attempts/);
    expect(p.requestStats.requests).toBe(2);
  });

  it("rejects truncated JSON", async () => {
    const p = await setup((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"model":"nomic-embed-text","embeddings":[[0.1,0.2');
    });
    const e = await rejection(p.embedQuery("a"));
    expect(e.message).toMatch(/^ollama nomic-embed-text: response was not valid JSON/);
    expect(server!.requests).toHaveLength(1);
  });

  it("rejects a response without embeddings", async () => {
    const p = await setup((_req, res) => sendJson(res, 200, { model: "nomic-embed-text", embedding: [0.1] }));
    const e = await rejection(p.embedQuery("a"));
    expect(e.message).toBe('ollama nomic-embed-text: response had no "embeddings" array');
  });

  it("rejects a vector narrower than the known width", async () => {
    const p = await setup(ok(512));
    const e = await rejection(p.embedQuery("a"));
    expect(e.message).toBe("ollama nomic-embed-text: input 0: vector has 512 values, expected 768");
  });

  it("rejects fewer vectors than inputs", async () => {
    const p = await setup((req, res) => sendJson(res, 200, ollamaResponse(req.body.input.slice(0, 2), 768)));
    const e = await rejection(p.embedDocuments(["a", "b", "c"]));
    expect(e.message).toBe("ollama nomic-embed-text: response had 2 vectors for 3 inputs");
  });

  it('rejects "NaN" strings and numbers too large for float32', async () => {
    let poison: unknown = "NaN";
    const p = await setup((req, res) => {
      const body = ollamaResponse(req.body.input, 4) as { embeddings: unknown[][] };
      body.embeddings[0]![3] = poison;
      sendJson(res, 200, body);
    }, { dimensions: 4 });
    let e = await rejection(p.embedQuery("a"));
    expect(e.message).toBe('ollama nomic-embed-text: input 0: value 3 is not a number ("NaN")');
    poison = 1e39;
    e = await rejection(p.embedQuery("a"));
    expect(e.message).toBe("ollama nomic-embed-text: input 0: value 3 is not finite (Infinity)");
    expect(server!.requests).toHaveLength(2);
  });

  it("aborts through the caller's signal", async () => {
    const p = await setup(hang);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 40);
    await expect(p.embedQuery("a", { signal: ctl.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(server!.requests).toHaveLength(1);
  });
});
