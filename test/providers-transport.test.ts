import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { nodeFetch, readText } from "../src/providers/remote/_transport.js";
import { closeServers, hang, startServer, type FakeServer, type Handler } from "./providers-fixtures.js";

let server: FakeServer | undefined;
afterEach(closeServers);

async function serve(handler: Handler): Promise<string> {
  server = await startServer(handler);
  return server.origin;
}

describe("nodeFetch", () => {
  it("sends method, headers and body, and returns status, headers and text", async () => {
    const origin = await serve((req, res) => {
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      res.writeHead(201, "Made", { "content-type": "application/json", "x-echo": String(req.headers["x-test"]) });
      res.end(JSON.stringify({ got: req.body, method: req.method }));
    });
    const res = await nodeFetch(`${origin}/p?q=1`, { method: "POST", headers: new Headers({ "x-test": "yes" }), body: JSON.stringify({ a: "é" }) });
    expect(res.status).toBe(201);
    expect(res.statusText).toBe("Made");
    expect(res.headers.get("x-echo")).toBe("yes");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.json()).toEqual({ got: { a: "é" }, method: "POST" });
    expect(server!.requests[0]!.url).toBe("/p?q=1");
  });

  it("decodes gzip bodies and drops the wire-level headers", async () => {
    const origin = await serve((_req, res) => {
      const z = gzipSync(Buffer.from('{"ok":true}'));
      res.writeHead(200, { "content-encoding": "gzip", "content-length": z.length });
      res.end(z);
    });
    const res = await nodeFetch(origin, {});
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(await readText(res)).toBe('{"ok":true}');
  });

  it("reads chunked bodies (no content-length) and content-length bodies alike", async () => {
    const origin = await serve((req, res) => {
      if (req.url === "/chunked") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"part":');
        setTimeout(() => res.end('"two"}'), 10);
        return;
      }
      const text = '{"part":"one"}';
      res.writeHead(200, { "content-length": Buffer.byteLength(text) });
      res.write(text.slice(0, 5));
      setTimeout(() => res.end(text.slice(5)), 10);
    });
    const chunked = await nodeFetch(`${origin}/chunked`, {});
    expect(chunked.headers.get("transfer-encoding")).toBe("chunked");
    expect(await readText(chunked)).toBe('{"part":"two"}');
    expect(await readText(await nodeFetch(`${origin}/sized`, {}))).toBe('{"part":"one"}');
  });

  it("gives a null body for 204", async () => {
    const origin = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const res = await nodeFetch(origin, {});
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  it("reads UTF-8 text correctly through the ASCII fast path's fallback", async () => {
    const origin = await serve((_req, res) => void res.end('{"gene":"BRCA1","note":"café ✓"}'));
    expect(JSON.parse(await readText(await nodeFetch(origin, {})))).toEqual({ gene: "BRCA1", note: "café ✓" });
  });

  it("rejects with the signal's reason on abort, also in the middle of a body", async () => {
    const origin = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
    });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error("stop")), 50);
    await expect(nodeFetch(origin, { signal: ctl.signal })).rejects.toThrow("stop");
    await expect(nodeFetch(origin, { signal: AbortSignal.abort(new Error("before")) })).rejects.toThrow("before");
  });

  it("rejects like fetch when the connection drops or is refused", async () => {
    const origin = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setTimeout(() => res.destroy(), 10);
    });
    const e1 = (await nodeFetch(origin, {}).catch((e: unknown) => e)) as TypeError;
    expect(e1).toBeInstanceOf(TypeError);
    expect(e1.message).toBe("fetch failed");
    await server!.close();
    const e2 = (await nodeFetch(origin, {}).catch((e: unknown) => e)) as TypeError;
    expect(e2.message).toBe("fetch failed");
    expect((e2.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  it("rejects at once when aborted before the server answers", async () => {
    const origin = await serve(hang);
    const ctl = new AbortController();
    const p = nodeFetch(origin, { signal: ctl.signal });
    ctl.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
  });
});
