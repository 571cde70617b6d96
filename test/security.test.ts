// Security of the HTTP service: the API key guards every route but /health and the
// dashboard page, its check costs the same wherever a guess differs from the key, and
// every request limit answers 4xx naming what was too large. Filter injection:
// test/security-filters.test.ts; secrets and sample names in logs: test/security-logs.test.ts.
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SessionConfig } from "../src/config.js";
import { buildServer, type VcfAgentServer } from "../src/server/app.js";
import { bearerChecker } from "../src/server/auth.js";
import { LIMITS } from "../src/server/schemas.js";
import { tempDir } from "./_store-fixtures.js";

// Every comparison of a presented key goes through node:crypto's timingSafeEqual; record them.
const compared = vi.hoisted(() => [] as [Buffer, Buffer][]);
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
    compared.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
    return actual.timingSafeEqual(a, b);
  };
  return { ...actual, default: { ...actual, timingSafeEqual }, timingSafeEqual };
});

const KEY = "k3y-Zq81-vcf-agent-test";
const JSON_HEADERS = { "content-type": "application/json" };
const tmp = tempDir("vcf-agent-security-");
let secured: VcfAgentServer;

beforeAll(async () => {
  const config = new SessionConfig({ store: { uri: path.join(tmp.dir, "db") } });
  secured = await buildServer({ config, logLevel: false, apiKey: KEY });
});
afterAll(async () => {
  await secured?.close();
  tmp.cleanup();
});

/** Every route that needs the key, with a request that passes validation once the key is right. */
const GUARDED: { method: "GET" | "POST" | "DELETE"; url: string; payload?: unknown; headers?: Record<string, string>; authorized: number }[] = [
  { method: "GET", url: "/v1/stats", authorized: 200 },
  { method: "GET", url: "/v1/jobs", authorized: 200 },
  { method: "GET", url: "/v1/jobs/0123abcd", authorized: 404 },
  { method: "GET", url: "/metrics", authorized: 200 },
  { method: "POST", url: "/v1/search", payload: { text: "pathogenic BRCA1" }, headers: JSON_HEADERS, authorized: 404 }, // no table yet
  { method: "POST", url: "/v1/embed", payload: { texts: ["pathogenic BRCA1"] }, headers: JSON_HEADERS, authorized: 200 },
  // A valid body, but a name the schema refuses: authorized, it is a 400 and nothing is ingested.
  { method: "POST", url: "/v1/ingest?name=../x.vcf", payload: "##fileformat=VCFv4.2\n", headers: { "content-type": "text/plain" }, authorized: 400 },
  { method: "POST", url: "/v1/ingest", payload: { path: "/etc/passwd" }, headers: JSON_HEADERS, authorized: 403 }, // no --ingest-dir
  // Unknown routes too: without the key nobody learns which routes exist.
  { method: "GET", url: "/v2/unknown", authorized: 404 },
  { method: "DELETE", url: "/v1/stats", authorized: 404 },
];

/** Authorization headers that must not pass (undefined: none sent). */
const WRONG: (string | undefined)[] = [
  undefined,
  "",
  "Bearer",
  "Bearer ",
  `Bearer ${KEY.slice(0, -1)}`,
  `Bearer ${KEY}x`,
  `Bearer ${KEY} ${KEY}`,
  `Bearer ${KEY.toUpperCase()}`,
  `Bearer "${KEY}"`,
  `Bearer ${KEY}\u200b`,
  `Bearer\u00a0${KEY}`,
  KEY,
  `Basic ${KEY}`,
  `Basic ${Buffer.from(`user:${KEY}`).toString("base64")}`,
  `Token ${KEY}`,
];

describe("API key", () => {
  it.each(GUARDED)("$method $url: 401 with WWW-Authenticate for every wrong or missing key, and through with the key", async (route) => {
    for (const authorization of WRONG) {
      const r = await secured.app.inject({
        method: route.method,
        url: route.url,
        ...(route.payload === undefined ? {} : { payload: route.payload as string }),
        headers: { ...route.headers, ...(authorization === undefined ? {} : { authorization }) },
      });
      expect(r.statusCode, `${route.method} ${route.url} with ${JSON.stringify(authorization)}`).toBe(401);
      expect(r.headers["www-authenticate"]).toBe('Bearer realm="vcf-agent"');
      expect(r.json()).toEqual({
        statusCode: 401,
        error: "Unauthorized",
        message: "missing or wrong API key: send Authorization: Bearer <key> (the service's VCF_AGENT_API_KEY)",
      });
    }
    // The key in other places than the Authorization header does not count.
    const sep = route.url.includes("?") ? "&" : "?";
    for (const elsewhere of [{ url: `${route.url}${sep}api_key=${KEY}` }, { headers: { "x-api-key": KEY } }, { headers: { cookie: `key=${KEY}` } }]) {
      const r = await secured.app.inject({
        method: route.method,
        url: elsewhere.url ?? route.url,
        ...(route.payload === undefined ? {} : { payload: route.payload as string }),
        headers: { ...route.headers, ...elsewhere.headers },
      });
      expect(r.statusCode).toBe(401);
    }
    for (const authorization of [`Bearer ${KEY}`, `bearer ${KEY}`, `Bearer \t ${KEY} \t`]) {
      const r = await secured.app.inject({
        method: route.method,
        url: route.url,
        ...(route.payload === undefined ? {} : { payload: route.payload as string }),
        headers: { ...route.headers, authorization },
      });
      expect(r.statusCode, `${route.method} ${route.url} with the key`).toBe(route.authorized);
    }
  });

  it("an upload with a wrong key writes nothing", async () => {
    const r = await secured.app.inject({
      method: "POST",
      url: "/v1/ingest?name=x.vcf",
      payload: "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t1\t.\tA\tC\t.\t.\t.\n",
      headers: { "content-type": "text/plain", authorization: "Bearer guess" },
    });
    expect(r.statusCode).toBe(401);
    expect(readdirSync(path.join(tmp.dir, "db", "uploads"))).toEqual([]);
    const jobs = await secured.app.inject({ method: "GET", url: "/v1/jobs", headers: { authorization: `Bearer ${KEY}` } });
    expect(jobs.json()).toEqual({ jobs: [] });
  });

  it("/health and the dashboard page stay open; the page holds no data", async () => {
    expect((await secured.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    const page = await secured.app.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(KEY);
  });

  it("every check is one timingSafeEqual of two SHA-256 digests, whatever is presented", () => {
    const check = bearerChecker(KEY);
    const presented = [undefined, "", "Bearer", "Basic x", `Bearer ${KEY[0]}`, `Bearer ${KEY.slice(0, -1)}`, `Bearer ${KEY}`, `Bearer ${"x".repeat(100_000)}`, `Bearer ${KEY}${KEY}`];
    const keyDigests = new Set<string>();
    for (const header of presented) {
      compared.length = 0;
      const ok = check(header);
      expect(ok, String(header)).toBe(header === `Bearer ${KEY}`);
      // Exactly one comparison, always of 32-byte digests: no early exit on length, prefix or form.
      expect(compared, String(header)).toHaveLength(1);
      const [a, b] = compared[0]!;
      expect(a.length).toBe(32);
      expect(b.length).toBe(32);
      keyDigests.add(b.toString("hex"));
    }
    // The key side is always the same digest (the key itself is never compared raw).
    expect(keyDigests.size).toBe(1);
  });

  it("parsing the header costs linear time (it is read from anyone, before the key is checked)", () => {
    const check = bearerChecker(KEY);
    // 16 KiB is the most Node's HTTP parser accepts in headers; blanks inside the token made a backtracking pattern quadratic.
    const hostile = ["Bearer a" + " \t".repeat(8000) + "b", "Bearer " + " ".repeat(16_000) + "\u0000", "Bearer " + "a ".repeat(8000)];
    for (const header of hostile) {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) expect(check(header)).toBe(false);
      expect((performance.now() - t0) / 5, `${header.length}-character header`).toBeLessThan(10);
    }
  });

  it("headers over 16 KiB are refused by the HTTP parser (431) before any route runs", async () => {
    await secured.app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = secured.app.server.address() as AddressInfo;
    const status = (authorization: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/v1/stats", headers: { authorization } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await status(`Bearer ${KEY}`)).toBe(200);
    expect(await status(`Bearer ${"x".repeat(20_000)}`)).toBe(431);
  });
});

describe("request limits answer 4xx naming the field", () => {
  const auth = { ...JSON_HEADERS, authorization: `Bearer ${KEY}` };
  const post = (url: string, payload: unknown) => secured.app.inject({ method: "POST", url, headers: auth, payload: payload as string });
  const long = (n: number): string => "v".repeat(n);

  it.each<[string, string, unknown]>([
    ["/v1/search", `body/text must NOT have more than ${LIMITS.maxTextLength} characters`, { text: long(LIMITS.maxTextLength + 1) }],
    ["/v1/search", `body/k must be <= ${LIMITS.maxK}`, { text: "x", k: LIMITS.maxK + 1 }],
    ["/v1/search", `body/filters must NOT have more than ${LIMITS.maxFilters} items`, { text: "x", filters: Array.from({ length: LIMITS.maxFilters + 1 }, () => "gene=BRCA1") }],
    ["/v1/search", "body/filters/0 must NOT have more than 2000 characters", { text: "x", filters: [`gene=${long(2000)}`] }],
    ["/v1/search", "body/filters/0/value must NOT have more than 1000 items", { text: "x", filters: [{ field: "gene", op: "in", value: Array.from({ length: 1001 }, (_, i) => `G${i}`) }] }],
    ["/v1/search", "body/variantId must NOT have more than 1000 characters", { variantId: long(1001) }],
    ["/v1/search", "body/nprobes must be >= 1", { text: "x", nprobes: 0 }],
    ["/v1/search", "body/nprobes must be <= 100000", { text: "x", nprobes: 100_001 }],
    ["/v1/search", "body/refineFactor must be <= 1000", { text: "x", refineFactor: 1001 }],
    ["/v1/embed", `body/texts/0 must NOT have more than ${LIMITS.maxTextLength} characters`, { texts: [long(LIMITS.maxTextLength + 1)] }],
    ["/v1/embed", `body/texts must NOT have more than ${LIMITS.maxTexts} items`, { texts: Array.from({ length: LIMITS.maxTexts + 1 }, () => "x") }],
    ["/v1/ingest", "body/path must NOT have more than 4096 characters", { path: long(4097) }],
  ])("POST %s → 400: %s", async (url, message, payload) => {
    const r = await post(url, payload);
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toContain(message);
  });

  it("the largest allowed values pass validation", async () => {
    // No table yet, so a valid search is a 404 (not a 400); embed answers.
    expect((await post("/v1/search", { text: long(LIMITS.maxTextLength), k: LIMITS.maxK, filters: Array.from({ length: LIMITS.maxFilters }, () => "gene=BRCA1") })).statusCode).toBe(404);
    const embed = await post("/v1/embed", { texts: [long(LIMITS.maxTextLength)] });
    expect(embed.statusCode).toBe(200);
  });

  it("a JSON body over 1 MiB is 413 naming the limit, before it is parsed", async () => {
    const r = await post("/v1/embed", JSON.stringify({ texts: [long(LIMITS.jsonBodyBytes)] }));
    expect(r.statusCode).toBe(413);
    expect(r.json().message).toBe(`body: larger than the ${LIMITS.jsonBodyBytes} bytes a JSON request may have`);
  });

  it("__proto__ and constructor.prototype in a body are refused and pollute nothing", async () => {
    for (const payload of ['{"text":"x","__proto__":{"polluted":1}}', '{"text":"x","constructor":{"prototype":{"polluted":1}}}']) {
      const r = await post("/v1/search", payload);
      expect(r.statusCode).toBe(400);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a refused prototype key is named with its place, not called invalid JSON", async () => {
    const why = "is not allowed (refused so that a request cannot reach an object's prototype)";
    const cases: [string, string, string][] = [
      ["/v1/search", '{"text":"x","__proto__":{"polluted":1}}', `body: key "__proto__" ${why}`],
      ["/v1/search", '{"text":"x","filters":[{"field":"gene","\\u005f_proto__":{}}]}', `body/filters/0: key "__proto__" ${why}`],
      ["/v1/embed", '{"texts":["x"],"a/b":{"constructor":{"prototype":{"polluted":1}}}}', `body/a~1b: key "constructor" holding a "prototype" ${why}`],
      // The ingest route has its own parsers (raw VCF bodies); its JSON refusals read the same.
      ["/v1/ingest", '{"path":"/x.vcf","__proto__":{}}', `body: key "__proto__" ${why}`],
    ];
    for (const [url, payload, message] of cases) {
      const r = await post(url, payload);
      expect(r.statusCode, payload).toBe(400);
      expect(r.json().message, payload).toBe(message);
    }
    // Malformed JSON keeps fastify's message; a "constructor" that is no object is ordinary data for the schema.
    for (const payload of ['{"text":"x",', '{"text":"x","__proto__":}']) {
      const r = await post("/v1/search", payload);
      expect(r.statusCode, payload).toBe(400);
      expect(r.json().message, payload).toBe("Body is not valid JSON but content-type is set to 'application/json'");
    }
    const ordinary = await post("/v1/search", '{"text":"x","constructor":"y"}');
    expect(ordinary.statusCode).toBe(400);
    expect(ordinary.json().message).toBe("body must NOT have additional property 'constructor'");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("filter fields outside the whitelist and operators outside the list are 400 naming them", async () => {
    const cases: [unknown, string][] = [
      [{ field: "gene; DROP TABLE variants", op: "=", value: "x" }, "body/filters/0/field must be equal to one of the allowed values"],
      [{ field: "vector", op: "=", value: "x" }, "body/filters/0/field must be equal to one of the allowed values"],
      [{ field: "gene", op: "= 'x' OR 1=1 --", value: "x" }, "body/filters/0/op must be equal to one of the allowed values"],
      [{ field: "gene", op: "=", value: { $ne: 1 } }, "body/filters/0/value must be a string, a number or a list of them"],
    ];
    for (const [filter, message] of cases) {
      const r = await post("/v1/search", { text: "x", filters: [filter] });
      expect(r.statusCode, JSON.stringify(filter)).toBe(400);
      expect(r.json().message).toContain(message);
    }
  });
});
