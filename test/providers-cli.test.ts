import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const cli = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "dist", "cli", "main.js");

/** An Ollama-compatible /api/embed on loopback answering 384-d vectors for a model no table lists. */
let server: Server;
let base = "";
const requests: { model: string; input: string[] }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const parsed = JSON.parse(body) as { model: string; input: string[] };
      requests.push(parsed);
      const embeddings = parsed.input.map((t) => Array.from({ length: 384 }, (_, i) => Math.sin(i + t.length)));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ model: parsed.model, embeddings }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, OPENAI_API_KEY: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolveRun({ code, stdout, stderr }));
  });
}

describe("CLI with a remote provider", () => {
  it("learns an unlisted Ollama model's width from the server before embedding", async () => {
    const r = await run(["embed", "pathogenic BRCA1 variant", "--provider", "ollama", "--model", "custom-embedder:latest", "--base-url", base, "--level", "basic"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^provider: ollama:custom-embedder:latest:384\ndimensions: 384 /);
    expect(requests.some((q) => q.model === "custom-embedder:latest" && q.input.includes("pathogenic BRCA1 variant"))).toBe(true);
  });
});
