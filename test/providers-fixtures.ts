/**
 * Loopback HTTP servers that speak the OpenAI and Ollama embedding wire formats, with
 * deterministic vectors and programmable faults. 127.0.0.1, port 0: never the internet.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fnv1a, xorshiftVector } from "./providers-vectors.mjs";

/** One request as the server saw it. */
export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body. */
  body: any;
  /** ms since the server started. */
  at: number;
}

/** Answers request number `n` (0-based); may delay, hang or break the connection. */
export type Handler = (req: Recorded, res: ServerResponse, n: number) => void | Promise<void>;

/** One loopback server as a test sees it. */
export interface FakeServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: Recorded[];
  /** Most requests the server ever had open at once. */
  readonly maxInFlight: number;
  /** Closes the server and its connections; a second call does nothing. */
  close(): Promise<void>;
}

/** Servers started and not yet closed, so a test file can close them all after each test. */
const open = new Set<FakeServer>();

/**
 * Closes every server `startServer` opened that is still open. Use as
 * `afterEach(closeServers)`: a test that fails midway still frees its port.
 */
export async function closeServers(): Promise<void> {
  await Promise.all([...open].map((s) => s.close()));
}

/** Retry timings short enough for tests that exercise retries. */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 } as const;

/** Starts a loopback server on 127.0.0.1, port 0, answering with `handler`. */
export async function startServer(handler: Handler): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const t0 = Date.now();
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const rec: Recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: raw ? JSON.parse(raw) : undefined, at: Date.now() - t0 };
      const n = requests.push(rec) - 1;
      void Promise.resolve(handler(rec, res, n)).catch((e: unknown) => {
        res.statusCode = 599;
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeServer = {
    origin: `http://127.0.0.1:${port}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    close: () => {
      if (!open.delete(fake)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  open.add(fake);
  return fake;
}

/** A deterministic vector for `text`: FNV-1a seed, xorshift32 stream, values in [-0.5, 0.5). */
export function vectorFor(text: string, dims: number): Float32Array {
  return xorshiftVector(fnv1a(text), dims);
}

/** Little-endian float32 bytes as base64, as OpenAI sends with `encoding_format: "base64"`. */
export function base64Of(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}

/** Writes `body` as a JSON response with its content-length. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** An OpenAI `/v1/embeddings` response for `input`, base64 or float form. */
export function openaiResponse(input: string[], dims: number, form: "base64" | "float" = "base64"): unknown {
  return {
    object: "list",
    model: "test-model",
    data: input.map((t, index) => {
      const v = vectorFor(t, dims);
      return { object: "embedding", index, embedding: form === "base64" ? base64Of(v) : Array.from(v) };
    }),
    usage: { prompt_tokens: input.length, total_tokens: input.length },
  };
}

/** An Ollama `/api/embed` response for `input`. */
export function ollamaResponse(input: string[], dims: number): unknown {
  return { model: "test-model", embeddings: input.map((t) => Array.from(vectorFor(t, dims))) };
}

/** Never answers; the client must time out or abort. */
export function hang(): void {}

/** Resolves after `ms` milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
