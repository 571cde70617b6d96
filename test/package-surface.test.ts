/**
 * The package as a dependent project sees it: the root is the small user API and loads
 * neither fastify nor prom-client; every name the root used to export is still reachable
 * through a subpath export; every subpath in package.json resolves.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown> };
const subpaths = Object.keys(pkg.exports).filter((k) => k !== "./package.json");

// The root's runtime exports before the API was split into subpaths (names are kept).
const FORMER_ROOT = [
  "VcfAgentError", "VcfFormatError", "ConfigError", "MemoryOptimizationConfig", "SessionConfig", "DEFAULT_OPTIMIZATION_LEVEL",
  "STORE_DEFAULTS", "loadConfigFile", "configFromEnv", "resolveSessionConfig", "openVcf", "openVcfStream", "VcfReader", "parseRegion",
  "annotationLayout", "annotate", "describeVariant", "summarizeVariant", "isComposable", "LocalEmbeddingProvider", "OpenAIProvider",
  "OllamaProvider", "createProvider", "LanceEmbeddingFunction", "createCache", "VariantEmbeddingService", "IdentityStage", "PcaStage",
  "fitPca", "fitPcaAsync", "varianceRetained", "projectBatch", "saveModel", "loadModel", "PcaReducer", "MemoryMonitor", "VariantStore",
  "DEFAULT_DB_URI", "DEFAULT_TABLE", "parseFilter", "compileFilters", "FILTER_FIELDS", "ingestVcf", "MIN_INDEX_ROWS", "VariantSearch",
  "buildServer", "VcfAgentMetrics", "METRIC", "effectiveReductionPercent", "IngestMetrics", "serveMetrics",
];

let project: string;

/** Runs `code` as an ES module inside the dependent project; returns what it printed as JSON. */
function inProject(code: string): unknown {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: project, encoding: "utf8" });
  return JSON.parse(out);
}

/** The CommonJS modules of fastify and prom-client loaded after importing `specifier` (both packages are CommonJS). */
function heavyModulesAfter(specifier: string): { names: number; heavy: string[] } {
  return inProject(`
    import { createRequire } from "node:module";
    const m = await import(${JSON.stringify(specifier)});
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    const heavy = [...new Set(loaded.map((k) => /node_modules\\/(fastify|prom-client)\\//.exec(k)?.[1]).filter(Boolean))];
    console.log(JSON.stringify({ names: Object.keys(m).length, heavy }));
  `) as { names: number; heavy: string[] };
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "vcf-agent-dependent-"));
  mkdirSync(join(project, "node_modules"));
  symlinkSync(ROOT, join(project, "node_modules", "vcf-agent"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "dependent", type: "module", dependencies: { "vcf-agent": "*" } }));
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("package surface", () => {
  it('import("vcf-agent") loads neither fastify nor prom-client, and the root stays small', () => {
    const root = heavyModulesAfter("vcf-agent");
    expect(root.heavy).toEqual([]);
    expect(root.names).toBeGreaterThan(0);
    expect(root.names).toBeLessThanOrEqual(30);
  });

  it("the server and metrics subpaths do load them (the check above can see them)", () => {
    expect(heavyModulesAfter("vcf-agent/server").heavy).toEqual(expect.arrayContaining(["fastify", "prom-client"]));
    expect(heavyModulesAfter("vcf-agent/metrics").heavy).toEqual(["prom-client"]);
  });

  it("every subpath export resolves, and every former root name is exported by one of them", () => {
    const found = inProject(`
      const names = {};
      for (const sub of ${JSON.stringify(subpaths)}) {
        const m = await import("vcf-agent" + sub.slice(1));
        names[sub] = Object.keys(m);
      }
      console.log(JSON.stringify(names));
    `) as Record<string, string[]>;
    for (const sub of subpaths) expect(found[sub]?.length, sub).toBeGreaterThan(0);
    const all = new Set(Object.values(found).flat());
    expect(FORMER_ROOT.filter((n) => !all.has(n))).toEqual([]);
  });
});
