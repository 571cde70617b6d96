import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  MemoryOptimizationConfig,
  SessionConfig,
  configFromEnv,
  loadConfigFile,
  resolveSessionConfig,
  type MemoryOptimizationOptions,
} from "../src/config.js";
import { ConfigError, VcfAgentError } from "../src/errors.js";
import { rejection } from "./_rejection.js";

const dir = mkdtempSync(join(tmpdir(), "vcf-agent-config-"));
let n = 0;
function file(ext: string, text: string): string {
  const p = join(dir, `cfg${n++}${ext}`);
  writeFileSync(p, text);
  return p;
}

/** The ConfigError `fn` throws (fails the test when it throws nothing or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}
function configErrorAsync(fn: () => Promise<unknown>): Promise<ConfigError> {
  return rejection(fn(), ConfigError);
}

describe("MemoryOptimizationConfig", () => {
  it("defaults to the standard level", () => {
    const c = new MemoryOptimizationConfig();
    expect(c.toJSON()).toEqual({
      optimizationLevel: "standard",
      memoryManagementEnabled: true,
      dimensionReductionEnabled: true,
      targetDimensions: 768,
      trainingSamples: 3072,
      cachingStrategy: "memory_aware",
      cacheMaxSizeMb: 64,
      cacheMaxEntries: 10_000,
      streamingBatchSize: 25,
      memoryCleanupThresholdMb: 512,
      memoryMonitorIntervalMs: 1000,
      annIndex: "none",
    });
  });

  it("applies each level's defaults", () => {
    const basic = new MemoryOptimizationConfig({ optimizationLevel: "basic" });
    expect(basic.memoryManagementEnabled).toBe(false);
    expect(basic.dimensionReductionEnabled).toBe(false);
    expect(basic.cachingStrategy).toBe("simple");
    expect(basic.memoryCleanupThresholdMb).toBe(1024);
    expect(basic.memoryMonitorIntervalMs).toBe(0);
    const aggressive = new MemoryOptimizationConfig({ optimizationLevel: "aggressive" });
    expect(aggressive.toJSON()).toEqual(MemoryOptimizationConfig.levels.aggressive);
    expect(aggressive.targetDimensions).toBe(512);
    expect(aggressive.trainingSamples).toBe(2048);
    expect(aggressive.streamingBatchSize).toBe(50);
    expect(aggressive.cacheMaxSizeMb).toBe(32);
    expect(aggressive.cacheMaxEntries).toBe(5000);
    expect(aggressive.memoryCleanupThresholdMb).toBe(256);
    expect(aggressive.annIndex).toBe("ivf_rq");
  });

  it("lets explicit options override the level and derives dependent defaults from the result", () => {
    const c = new MemoryOptimizationConfig({ optimizationLevel: "aggressive", cacheMaxSizeMb: 8, targetDimensions: 100 });
    expect(c.cacheMaxSizeMb).toBe(8);
    expect(c.targetDimensions).toBe(100);
    expect(c.trainingSamples).toBe(400);
    expect(c.streamingBatchSize).toBe(50);
    const b = new MemoryOptimizationConfig({ optimizationLevel: "basic", memoryManagementEnabled: true });
    expect(b.memoryMonitorIntervalMs).toBe(1000);
    expect(new MemoryOptimizationConfig({ memoryManagementEnabled: false }).memoryMonitorIntervalMs).toBe(0);
    expect(new MemoryOptimizationConfig({ memoryMonitorIntervalMs: 0 }).memoryMonitorIntervalMs).toBe(0);
  });

  it("is frozen, and so are the level tables", () => {
    const c = new MemoryOptimizationConfig();
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      (c as { cacheMaxSizeMb: number }).cacheMaxSizeMb = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(MemoryOptimizationConfig.levels.standard)).toBe(true);
  });

  const invalid: [keyof MemoryOptimizationOptions | "nonsense", unknown][] = [
    ["optimizationLevel", "extreme"],
    ["memoryManagementEnabled", "yes"],
    ["dimensionReductionEnabled", 1],
    ["targetDimensions", 1],
    ["targetDimensions", 4097],
    ["targetDimensions", 7.5],
    ["trainingSamples", 0],
    ["cachingStrategy", "lru"],
    ["cacheMaxSizeMb", -1],
    ["cacheMaxSizeMb", 0],
    ["cacheMaxSizeMb", Number.NaN],
    ["cacheMaxSizeMb", Number.POSITIVE_INFINITY],
    ["cacheMaxEntries", 0],
    ["cacheMaxEntries", 2.5],
    ["streamingBatchSize", 0],
    ["streamingBatchSize", 100_001],
    ["memoryCleanupThresholdMb", -5],
    ["memoryMonitorIntervalMs", -1],
    ["annIndex", "faiss"],
    ["nonsense", 1],
  ];
  it.each(invalid)("names %s in the error for %s", (option, value) => {
    const err = configError(() => new MemoryOptimizationConfig({ [option]: value } as Partial<MemoryOptimizationOptions>));
    expect(err.option).toBe(option);
    expect(err.code).toBe("CONFIG");
    expect(err.message.startsWith(`invalid option ${option}: `)).toBe(true);
  });

  it("quotes the bad value and what was expected", () => {
    expect(configError(() => new MemoryOptimizationConfig({ cacheMaxSizeMb: -1 })).message).toBe(
      "invalid option cacheMaxSizeMb: expected a positive number of MiB up to 1048576, got -1",
    );
    expect(configError(() => new MemoryOptimizationConfig({ nonsense: 1 } as never)).message).toMatch(/valid options: optimizationLevel, .*annIndex/);
  });

  it("requires at least 2 × targetDimensions training samples", () => {
    const err = configError(() => new MemoryOptimizationConfig({ targetDimensions: 512, trainingSamples: 1000 }));
    expect(err.option).toBe("trainingSamples");
    expect(err.message).toContain("1024");
    expect(new MemoryOptimizationConfig({ targetDimensions: 512, trainingSamples: 1024 }).trainingSamples).toBe(1024);
  });

  it("ignores options explicitly set to undefined", () => {
    expect(new MemoryOptimizationConfig({ cacheMaxSizeMb: undefined }).cacheMaxSizeMb).toBe(64);
  });
});

describe("SessionConfig", () => {
  it("has defaults for every section", () => {
    const s = new SessionConfig();
    expect(s.memoryOptimization.optimizationLevel).toBe("standard");
    expect(s.embedding).toEqual({ provider: "local" });
    expect(s.store).toEqual({ uri: "./vcf-agent-db", table: "variants" });
  });

  it("accepts a MemoryOptimizationConfig instance or plain options", () => {
    const m = new MemoryOptimizationConfig({ optimizationLevel: "basic" });
    expect(new SessionConfig({ memoryOptimization: m }).memoryOptimization).toBe(m);
    expect(new SessionConfig({ memoryOptimization: { cacheMaxEntries: 3 } }).memoryOptimization.cacheMaxEntries).toBe(3);
  });

  it("names invalid embedding and store options", () => {
    expect(configError(() => new SessionConfig({ embedding: { provider: "cohere" as never } })).option).toBe("embedding.provider");
    expect(configError(() => new SessionConfig({ embedding: { baseUrl: "ftp://x" } })).option).toBe("embedding.baseUrl");
    expect(configError(() => new SessionConfig({ embedding: { batchSize: 0 } })).option).toBe("embedding.batchSize");
    expect(configError(() => new SessionConfig({ embedding: { maxRetries: -1 } })).option).toBe("embedding.maxRetries");
    expect(configError(() => new SessionConfig({ store: { table: "a b; drop" } })).option).toBe("store.table");
    expect(configError(() => new SessionConfig({ store: { uri: "" } })).option).toBe("store.uri");
    expect(configError(() => new SessionConfig({ memoryOptimization: { streamingBatchSize: -3 } })).option).toBe("streamingBatchSize");
  });

  it("never shows the API key in JSON, spread or inspect", () => {
    const s = new SessionConfig({ embedding: { provider: "openai", apiKey: "sk-very-secret-value" } });
    expect(s.embedding.apiKey).toBe("sk-very-secret-value");
    const shown = [
      JSON.stringify(s),
      JSON.stringify(s.embedding),
      JSON.stringify({ ...s.embedding }),
      inspect(s, { depth: 10 }),
      inspect(s.embedding),
      inspect({ wrapped: s }, { depth: 10 }),
      String(s.toJSON().embedding.apiKey),
    ];
    for (const text of shown) expect(text).not.toContain("sk-very-secret-value");
    expect(JSON.parse(JSON.stringify(s)).embedding.apiKey).toBe("***");
    expect(JSON.parse(JSON.stringify(new SessionConfig())).embedding.apiKey).toBeUndefined();
  });
});

describe("loadConfigFile", () => {
  it("reads the seed's snake_case keys from YAML, at the top level and in sections", async () => {
    const p = file(
      ".yaml",
      [
        "optimization_level: aggressive",
        "cache_max_size_mb: 16",
        "memory_optimization:",
        "  target_dimensions: 256",
        "  memory_management_enabled: false",
        "embedding:",
        "  provider: ollama",
        "  base_url: http://127.0.0.1:11434",
        "  batch_size: 32",
        "store:",
        "  table: demo",
        "",
      ].join("\n"),
    );
    expect(await loadConfigFile(p)).toEqual({
      memoryOptimization: { optimizationLevel: "aggressive", cacheMaxSizeMb: 16, targetDimensions: 256, memoryManagementEnabled: false },
      embedding: { provider: "ollama", baseUrl: "http://127.0.0.1:11434", batchSize: 32 },
      store: { table: "demo" },
    });
  });

  it("reads camelCase JSON, by extension and by content", async () => {
    const json = JSON.stringify({ memoryOptimization: { cachingStrategy: "simple", cacheMaxEntries: 7 }, store: { uri: "/tmp/x" } });
    const expected = { memoryOptimization: { cachingStrategy: "simple", cacheMaxEntries: 7 }, store: { uri: "/tmp/x" } };
    expect(await loadConfigFile(file(".json", json))).toEqual(expected);
    expect(await loadConfigFile(file(".conf", json))).toEqual(expected);
    expect(await loadConfigFile(file("", "streaming_batch_size: 5\n"))).toEqual({ memoryOptimization: { streamingBatchSize: 5 } });
  });

  it("treats null as unset and an empty file as no options", async () => {
    expect(await loadConfigFile(file(".yaml", "cache_max_size_mb: ~\nstore:\n"))).toEqual({});
    expect(await loadConfigFile(file(".yaml", ""))).toEqual({});
  });

  it("names a bad value as written, with the file", async () => {
    const p = file(".yaml", "cache_max_size_mb: -1\n");
    const err = await configErrorAsync(() => loadConfigFile(p));
    expect(err.option).toBe(`cache_max_size_mb (in ${p})`);
    expect(err.message).toBe(`invalid option cache_max_size_mb (in ${p}): expected a positive number of MiB up to 1048576, got -1`);
    const q = file(".yaml", "embedding:\n  timeout_ms: soon\n");
    expect((await configErrorAsync(() => loadConfigFile(q))).option).toBe(`embedding.timeout_ms (in ${q})`);
    const r = file(".yaml", "memoryOptimization:\n  annIndex: faiss\n");
    expect((await configErrorAsync(() => loadConfigFile(r))).option).toBe(`memoryOptimization.annIndex (in ${r})`);
  });

  it("rejects unknown keys, listing the valid ones", async () => {
    const p = file(".yaml", "cache_size_mb: 3\n");
    const err = await configErrorAsync(() => loadConfigFile(p));
    expect(err.option).toBe(`cache_size_mb (in ${p})`);
    expect(err.message).toContain("cache_max_size_mb");
    expect(err.message).toContain("memory_optimization");
    const q = file(".yaml", "store:\n  path: x\n");
    const err2 = await configErrorAsync(() => loadConfigFile(q));
    expect(err2.option).toBe(`store.path (in ${q})`);
    expect(err2.message).toContain("valid keys under store: uri, table");
  });

  it("rejects an option given twice in different spellings", async () => {
    const p = file(".yaml", "cache_max_size_mb: 3\nmemoryOptimization:\n  cacheMaxSizeMb: 4\n");
    const err = await configErrorAsync(() => loadConfigFile(p));
    expect(err.message).toContain("given twice (also as cache_max_size_mb)");
  });

  it("reports syntax errors with file and line, and missing files", async () => {
    const y = file(".yaml", "a: 1\nb: [\n");
    await expect(loadConfigFile(y)).rejects.toThrow(new RegExp(`^${y.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: invalid YAML`));
    const j = file(".json", '{\n  "store": {},\n}\n');
    await expect(loadConfigFile(j)).rejects.toThrow(`${j}:3: invalid JSON`);
    await expect(loadConfigFile(join(dir, "missing.yaml"))).rejects.toThrow(/cannot read config file .*missing\.yaml: ENOENT/);
    const list = file(".yaml", "- a\n- b\n");
    await expect(loadConfigFile(list)).rejects.toBeInstanceOf(VcfAgentError);
  });
});

describe("configFromEnv", () => {
  it("reads one variable per option and coerces strings", () => {
    const input = configFromEnv({
      VCF_AGENT_OPTIMIZATION_LEVEL: "basic",
      VCF_AGENT_MEMORY_MANAGEMENT_ENABLED: "TRUE",
      VCF_AGENT_DIMENSION_REDUCTION_ENABLED: "0",
      VCF_AGENT_TARGET_DIMENSIONS: "384",
      VCF_AGENT_TRAINING_SAMPLES: "1000",
      VCF_AGENT_CACHING_STRATEGY: "memory_aware",
      VCF_AGENT_CACHE_MAX_SIZE_MB: "12.5",
      VCF_AGENT_CACHE_MAX_ENTRIES: "100",
      VCF_AGENT_STREAMING_BATCH_SIZE: " 10 ",
      VCF_AGENT_MEMORY_CLEANUP_THRESHOLD_MB: "300",
      VCF_AGENT_MEMORY_MONITOR_INTERVAL_MS: "250",
      VCF_AGENT_ANN_INDEX: "hnsw_sq",
      VCF_AGENT_PROVIDER: "openai",
      VCF_AGENT_MODEL: "text-embedding-3-small",
      VCF_AGENT_BASE_URL: "https://api.example.org/v1",
      VCF_AGENT_EMBEDDING_BATCH_SIZE: "64",
      OPENAI_API_KEY: "sk-env",
      VCF_AGENT_DB: "s3://bucket/db",
      VCF_AGENT_TABLE: "t1",
      VCF_AGENT_SOMETHING_ELSE: "ignored",
      VCF_AGENT_MODEL_UNUSED: "",
    });
    expect(input).toEqual({
      memoryOptimization: {
        optimizationLevel: "basic",
        memoryManagementEnabled: true,
        dimensionReductionEnabled: false,
        targetDimensions: 384,
        trainingSamples: 1000,
        cachingStrategy: "memory_aware",
        cacheMaxSizeMb: 12.5,
        cacheMaxEntries: 100,
        streamingBatchSize: 10,
        memoryCleanupThresholdMb: 300,
        memoryMonitorIntervalMs: 250,
        annIndex: "hnsw_sq",
      },
      embedding: { provider: "openai", model: "text-embedding-3-small", baseUrl: "https://api.example.org/v1", batchSize: 64, apiKey: "sk-env" },
      store: { uri: "s3://bucket/db", table: "t1" },
    });
  });

  it("treats empty variables as unset", () => {
    expect(configFromEnv({ VCF_AGENT_CACHE_MAX_SIZE_MB: "", VCF_AGENT_TABLE: "  " })).toEqual({});
  });

  it.each([
    ["VCF_AGENT_CACHE_MAX_SIZE_MB", "abc", /expected a positive number of MiB.*got "abc"/],
    ["VCF_AGENT_CACHE_MAX_SIZE_MB", "-1", /got "-1"/],
    ["VCF_AGENT_CACHE_MAX_ENTRIES", "12abc", /got "12abc"/],
    ["VCF_AGENT_TARGET_DIMENSIONS", "1e9", /from 2 to 4096/],
    ["VCF_AGENT_MEMORY_MANAGEMENT_ENABLED", "yes", /expected true, false, 1 or 0, got "yes"/],
    ["VCF_AGENT_OPTIMIZATION_LEVEL", "max", /one of "basic"/],
    ["VCF_AGENT_PROVIDER", "cohere", /one of "local"/],
    ["VCF_AGENT_BASE_URL", "not a url", /http\(s\) URL/],
    ["VCF_AGENT_EMBEDDING_MAX_RETRIES", "-2", /from 0 to 100/],
    ["VCF_AGENT_TABLE", "x/y", /table name/],
  ])("names %s when it is %j", (name, value, reason) => {
    const err = configError(() => configFromEnv({ [name]: value }));
    expect(err.option).toBe(name);
    expect(err.message.startsWith(`invalid option ${name}: `)).toBe(true);
    expect(err.message).toMatch(reason);
  });
});

describe("resolveSessionConfig", () => {
  it("applies level defaults < file < env < overrides", async () => {
    const p = file(".yaml", "optimization_level: basic\ncache_max_size_mb: 10\ncache_max_entries: 20\nstreaming_batch_size: 30\nstore:\n  table: from_file\n");
    const c = await resolveSessionConfig({
      file: p,
      env: { VCF_AGENT_CACHE_MAX_ENTRIES: "21", VCF_AGENT_STREAMING_BATCH_SIZE: "31", VCF_AGENT_DB: "/env/db" },
      overrides: { memoryOptimization: { streamingBatchSize: 32 }, store: { uri: "/flag/db" } },
    });
    const m = c.memoryOptimization;
    expect(m.optimizationLevel).toBe("basic");
    expect(m.cachingStrategy).toBe("simple"); // basic's default, untouched by any source
    expect(m.cacheMaxSizeMb).toBe(10); // file
    expect(m.cacheMaxEntries).toBe(21); // env over file
    expect(m.streamingBatchSize).toBe(32); // override over env and file
    expect(c.store).toEqual({ uri: "/flag/db", table: "from_file" });
  });

  it("takes the level from the highest source that sets it, keeping lower sources' explicit options", async () => {
    const p = file(".yaml", "optimization_level: basic\ncache_max_size_mb: 10\n");
    const c = await resolveSessionConfig({ file: p, env: { VCF_AGENT_OPTIMIZATION_LEVEL: "aggressive" } });
    expect(c.memoryOptimization.optimizationLevel).toBe("aggressive");
    expect(c.memoryOptimization.targetDimensions).toBe(512); // aggressive default
    expect(c.memoryOptimization.cacheMaxSizeMb).toBe(10); // explicit in the file
    const d = await resolveSessionConfig({ file: p, env: { VCF_AGENT_OPTIMIZATION_LEVEL: "aggressive" }, overrides: { memoryOptimization: { optimizationLevel: "standard" } } });
    expect(d.memoryOptimization.optimizationLevel).toBe("standard");
    expect(d.memoryOptimization.targetDimensions).toBe(768);
  });

  it("names a cross-option failure by the source that wrote the option", async () => {
    const p = file(".yaml", "training_samples: 600\n");
    const err = await configErrorAsync(() => resolveSessionConfig({ file: p, env: { VCF_AGENT_TARGET_DIMENSIONS: "512" } }));
    expect(err.option).toBe(`training_samples (in ${p})`);
    expect(err.message).toContain("2 × targetDimensions (1024)");
    const err2 = await configErrorAsync(() => resolveSessionConfig({ env: { VCF_AGENT_TRAINING_SAMPLES: "100" } }));
    expect(err2.option).toBe("VCF_AGENT_TRAINING_SAMPLES");
    const err3 = await configErrorAsync(() => resolveSessionConfig({ overrides: { memoryOptimization: { trainingSamples: 100 } } }));
    expect(err3.option).toBe("trainingSamples");
  });

  it("validates overrides and names them", async () => {
    const err = await configErrorAsync(() => resolveSessionConfig({ overrides: { store: { table: "" } } }));
    expect(err.option).toBe("store.table");
  });

  it("keeps the environment's API key out of serialized config", async () => {
    const c = await resolveSessionConfig({ env: { OPENAI_API_KEY: "sk-from-env", VCF_AGENT_PROVIDER: "openai" } });
    expect(c.embedding.apiKey).toBe("sk-from-env");
    expect(JSON.stringify(c)).not.toContain("sk-from-env");
    expect(inspect(c, { depth: 10 })).not.toContain("sk-from-env");
  });

  it("with no sources equals the defaults", async () => {
    expect((await resolveSessionConfig({})).toJSON()).toEqual(new SessionConfig().toJSON());
  });
});
