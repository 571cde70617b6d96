import { afterEach, describe, expect, it } from "vitest";
import { LanceEmbeddingFunction } from "../src/providers/adapters.js";
import { createProvider, emitsNativeDimensions, supportsNativeDimensions } from "../src/providers/create.js";
import { LocalEmbeddingProvider } from "../src/providers/local/embedder.js";
import { MemoryOptimizationConfig } from "../src/config.js";
import { OllamaProvider } from "../src/providers/remote/ollama.js";
import { OpenAIProvider } from "../src/providers/remote/openai.js";
import { ConfigError } from "../src/errors.js";
import { closeServers, ollamaResponse, openaiResponse, sendJson, startServer, vectorFor } from "./providers-fixtures.js";

afterEach(closeServers);

describe("createProvider", () => {
  it("asks text-embedding-3-* for the target width natively", async () => {
    const server = await startServer((req, res) => sendJson(res, 200, openaiResponse(req.body.input, req.body.dimensions ?? 1536)));
    const p = createProvider({ provider: "openai", baseUrl: `${server.origin}/v1`, apiKey: "k" }, { targetDimensions: 768 });
    expect(p).toBeInstanceOf(OpenAIProvider);
    expect(emitsNativeDimensions(p)).toBe(true);
    expect(p.dimensions).toBe(768);
    const v = await p.embedQuery("a");
    expect(server.requests[0]!.body.dimensions).toBe(768);
    expect(v).toEqual(vectorFor("a", 768));
  });

  it("leaves models without native truncation, and explicit dimensions, alone", () => {
    const ada = createProvider({ provider: "openai", apiKey: "k", model: "text-embedding-ada-002" }, { targetDimensions: 768 });
    expect(ada.dimensions).toBe(1536);
    const explicit = createProvider({ provider: "openai", apiKey: "k", dimensions: 1024 }, { targetDimensions: 768 });
    expect(explicit.dimensions).toBe(1024);
    const ollama = createProvider({ provider: "ollama" }, { targetDimensions: 256 });
    expect(ollama).toBeInstanceOf(OllamaProvider);
    expect(ollama.dimensions).toBe(768);
    expect(supportsNativeDimensions({ provider: "openai" })).toBe(true);
    expect(supportsNativeDimensions({ provider: "openai", model: "text-embedding-ada-002" })).toBe(false);
    expect(supportsNativeDimensions({ provider: "ollama", model: "nomic-embed-text" })).toBe(false);
  });

  it("builds the local default, honours the session's reduction switch, and names the option for unknown providers", () => {
    expect(createProvider({ provider: "local" })).toBeInstanceOf(LocalEmbeddingProvider);
    expect(createProvider({ provider: "local", dimensions: 1024 }).dimensions).toBe(1024);
    const on = new MemoryOptimizationConfig({ optimizationLevel: "standard" });
    const off = new MemoryOptimizationConfig({ optimizationLevel: "basic" });
    expect(createProvider({ provider: "openai", apiKey: "k" }, on).dimensions).toBe(768);
    expect(createProvider({ provider: "openai", apiKey: "k" }, off).dimensions).toBe(1536);
    expect(() => createProvider({ provider: "cohere" } as never)).toThrow(ConfigError);
    expect(() => createProvider({ provider: "cohere" } as never)).toThrow(/embedding\.provider.*unknown provider "cohere"/);
  });
});

describe("LanceEmbeddingFunction", () => {
  it("learns ndims in init and embeds sources and queries", async () => {
    const server = await startServer((req, res) => sendJson(res, 200, ollamaResponse(req.body.input, 6)));
    const fn = new LanceEmbeddingFunction(new OllamaProvider({ provider: "ollama", model: "custom-embed", baseUrl: server.origin, apiKey: "tok-SECRET" }));
    expect(fn.ndims()).toBeUndefined();
    await fn.init();
    expect(fn.ndims()).toBe(6);
    const rows = await fn.computeSourceEmbeddings(["a", "b"]);
    expect(rows).toEqual([vectorFor("a", 6), vectorFor("b", 6)]);
    expect(await fn.computeQueryEmbeddings("q")).toEqual(vectorFor("q", 6));
    expect(await fn.computeQueryEmbedding("q")).toEqual(vectorFor("q", 6));
    const json = JSON.stringify(fn);
    expect(json).not.toContain("SECRET");
    expect(JSON.parse(json)).toMatchObject({ provider: "ollama", model: "custom-embed", dimensions: 6 });
  });

  it("falls back to the provider id for providers without toJSON", () => {
    const plain = {
      id: "plain:m:2",
      dimensions: 2,
      embedDocuments: async (t: readonly string[]) => t.map(() => new Float32Array(2)),
      embedQuery: async () => new Float32Array(2),
    };
    const fn = new LanceEmbeddingFunction(plain);
    expect(fn.toJSON()).toEqual({ id: "plain:m:2" });
    expect(fn.ndims()).toBe(2);
  });
});
