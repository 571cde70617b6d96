import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionConfig } from "../src/config.js";
import { buildServer, type VcfAgentServer } from "../src/server/app.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const gen = path.resolve(root, "../shared/tools/gen_vcf.py");
const artifacts = path.join(root, "test", "artifacts");
const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-dashboard-"));
const CHROMIUM = "/usr/bin/chromium";
const KEY = "dashboard-test-key";

/**
 * The browser globals the page-side functions use. The test tsconfig has no DOM types, and
 * functions (not strings, which the page's CSP refuses to eval) are what Playwright runs;
 * they are serialized, so they reach the page's globals through a cast of globalThis.
 */
interface PageElement {
  textContent: string;
  width: number;
  height: number;
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
interface PageGlobals {
  document: { getElementById(id: string): PageElement };
  sessionStorage: { getItem(key: string): string | null };
}

let server: VcfAgentServer;
let base: string;
let browser: BrowserContext | undefined;

beforeAll(async () => {
  const config = new SessionConfig({ memoryOptimization: { targetDimensions: 64, trainingSamples: 256 }, store: { uri: path.join(tmp, "db") } });
  server = await buildServer({ config, logLevel: false, apiKey: KEY });
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
  const body = execFileSync("python3", [gen, "--n", "1500", "--seed", "21"]);
  const auth = { authorization: `Bearer ${KEY}` };
  const r = await fetch(`${base}/v1/ingest?name=dashboard.vcf`, { method: "POST", body, headers: { ...auth, "content-type": "text/x-vcf" } });
  expect(r.status).toBe(202);
  const { jobId } = (await r.json()) as { jobId: string };
  for (;;) {
    const job = (await (await fetch(`${base}/v1/jobs/${jobId}`, { headers: auth })).json()) as { state: string };
    if (job.state !== "running" && job.state !== "queued") break;
    await new Promise((res) => setTimeout(res, 100));
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("dashboard in headless Chromium", () => {
  it("asks for the API key, shows live figures and charts, runs a search and shows the results", async () => {
    // CI installs chromium (scripts/ensure-tools.sh runs before npm test); missing here is a failure, not a skip.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/ensure-tools.sh (apt-get install chromium)`).toBe(true);
    browser = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), "vcf-agent-chromium-")), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1360, height: 1100 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const requested: string[] = [];
    const problems: string[] = [];
    page.on("request", (req) => requested.push(req.url()));
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (msg) => {
      // The first poll is refused (no key yet): Chromium logs that 401; anything else is a problem (e.g. a CSP block).
      if (msg.type() === "error" && !msg.text().includes("401")) problems.push(`console: ${msg.text()}`);
    });

    await page.goto(base + "/");
    await page.locator("#auth.open").waitFor({ timeout: 10_000 });
    await page.fill("#auth-key", KEY);
    await page.click("#auth-form button");
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById("rows").textContent !== "–", undefined, { timeout: 10_000 });
    expect(await page.textContent("#dims")).toBe("64");
    expect(Number(await page.textContent("#rows"))).toBeGreaterThan(1000);
    expect(await page.textContent("#variance")).toMatch(/^\d+\.\d%$/);
    expect(await page.textContent("#reduction")).toBe("95.8%");
    expect(await page.locator("#jobs-body tr").count()).toBe(1);
    expect(await page.textContent("#jobs-body")).toContain("done");
    // The key is kept for this tab only.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem("vcf-agent-api-key"))).toBe(KEY);

    await page.fill("#q", "pathogenic missense variant in BRCA1");
    await page.fill("#filters", "gene=BRCA1");
    await page.click("#search-button");
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById("search-state").textContent.includes("results in"), undefined, { timeout: 10_000 });
    const rows = page.locator("#results-body tr");
    expect(await rows.count()).toBe(10);
    for (let i = 0; i < 10; i++) expect(await rows.nth(i).locator("td").nth(3).textContent()).toBe("BRCA1");

    // A second poll puts two points on the charts; something must be drawn on both canvases.
    await page.waitForTimeout(2500);
    for (const id of ["mem-chart", "hit-chart"]) {
      const inked = await page.evaluate((canvasId) => {
        const c = (globalThis as unknown as PageGlobals).document.getElementById(canvasId);
        const alpha = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < alpha.length; i += 4) if ((alpha[i] ?? 0) > 0) n++;
        return n;
      }, id);
      expect(inked).toBeGreaterThan(1000);
    }

    mkdirSync(artifacts, { recursive: true });
    const shot = path.join(artifacts, "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);

    expect(problems).toEqual([]);
    // Nothing outside the service was requested.
    expect(requested.filter((u) => !u.startsWith(base + "/"))).toEqual([]);
  }, 90_000);
});
