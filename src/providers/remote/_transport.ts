/**
 * A `fetch` for the remote providers built on node:http(s) with keep-alive agents. It
 * reads the whole body before resolving and hands back a standard `Response`.
 * Why: on 2 MB embedding responses, Node 20's built-in fetch spent two to three times the
 * client CPU of node:http (bench/providers.mjs, docs/providers.md), and with large batches
 * the client's CPU, not the network, bounds throughput. Internal: not exported from the package.
 */
import { isAscii } from "node:buffer";
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from "node:http";
import { request as httpsRequest, Agent as HttpsAgent } from "node:https";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

// Idle keep-alive sockets are unref'd by Node's Agent, so these never hold the process open.
const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

function headerRecord(h: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (h === undefined) return out;
  if (h instanceof Headers || Array.isArray(h)) {
    for (const [k, v] of h instanceof Headers ? h.entries() : h) out[k] = v;
    return out;
  }
  return { ...(h as Record<string, string>) };
}

function bodyBytes(body: RequestInit["body"]): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  // The providers only send JSON text; anything else is a programming error.
  throw new TypeError(`unsupported request body type ${Object.prototype.toString.call(body)}`);
}

function decode(buf: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case "":
    case "identity":
      return buf;
    case "gzip":
    case "x-gzip":
      return gunzipSync(buf);
    case "deflate":
      return inflateSync(buf);
    case "br":
      return brotliDecompressSync(buf);
    default:
      throw new TypeError(`unsupported content-encoding ${encoding}`);
  }
}

function toResponse(res: IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    // The body is already decoded and whole; these would describe the bytes on the wire.
    if (v === undefined || k === "content-encoding" || k === "content-length") continue;
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else headers.set(k, v);
  }
  const status = res.statusCode ?? 0;
  // The Response constructor refuses a body for these statuses.
  if (status === 101 || status === 204 || status === 205 || status === 304) {
    return new Response(null, { status, statusText: res.statusMessage ?? "", headers });
  }
  // A stream over the buffer, not the buffer itself: Response copies a Uint8Array body
  // up front, and readText() below does not need the stream at all.
  const stream = new ReadableStream<Uint8Array>({
    pull(ctl) {
      ctl.enqueue(new Uint8Array(body.buffer, body.byteOffset, body.length));
      ctl.close();
    },
  });
  const response = new Response(stream, { status, statusText: res.statusMessage ?? "", headers });
  rawBodies.set(response, body);
  return response;
}

// Whole bodies of responses made by nodeFetch, for readText's zero-copy path.
const rawBodies = new WeakMap<Response, Buffer>();

/**
 * `fetch(url, init)` over node:http(s). Network failures reject with
 * `TypeError("fetch failed", { cause })` and aborts with the signal's reason, as fetch does.
 */
export function nodeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  const signal = init.signal ?? undefined;
  const body = bodyBytes(init.body);
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const secure = url.protocol === "https:";
    const req = (secure ? httpsRequest : httpRequest)(url, {
      method: init.method ?? "GET",
      headers: { ...headerRecord(init.headers), ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) },
      agent: secure ? httpsAgent : httpAgent,
    });
    let settled = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      reject(signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause: e }));
    };
    const onAbort = (): void => {
      req.destroy();
      fail(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", fail);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      res.on("data", (c: Buffer) => {
        chunks.push(c);
        received += c.length;
      });
      res.on("error", fail);
      // `close` without `end` means the connection dropped before the body was complete.
      res.on("close", () => {
        if (!res.complete) fail(new Error(`connection closed after ${received} body bytes`));
      });
      res.on("end", () => {
        if (settled) return;
        try {
          const response = toResponse(res, decode(Buffer.concat(chunks, received), res.headers["content-encoding"]));
          settled = true;
          signal?.removeEventListener("abort", onAbort);
          resolve(response);
        } catch (e) {
          fail(e);
        }
      });
    });
    req.end(body);
  });
}

/**
 * A response body as text. Embedding responses are pure ASCII (base64, or JSON numbers),
 * and ASCII decoding of a 2 MB body takes about a third of the time of UTF-8 decoding
 * (TextDecoder, which `Response#text` uses, is no faster); non-ASCII bodies take the UTF-8 path.
 */
export async function readText(res: Response): Promise<string> {
  const buf = await readBytes(res);
  return isAscii(buf) ? buf.toString("ascii") : buf.toString("utf8");
}

/** A response body as bytes; no copy for responses made by {@link nodeFetch}. */
export async function readBytes(res: Response): Promise<Buffer> {
  const raw = res.bodyUsed ? undefined : rawBodies.get(res);
  return raw ?? Buffer.from(await res.arrayBuffer());
}
