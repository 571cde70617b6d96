// Secrets and sample names never reach logs. The built CLI runs as users run it — an ingest
// and a failing embed with a provider key in the environment, a config file with a key
// YAML reads as a number, and `serve` at log level trace with the service key set and a
// provider key in its config file — against a loopback OpenAI-compatible server that
// echoes the presented key in its 401 errors (as OpenAI's API does). Everything the
// processes print is collected into one file and grepped for every secret and every
// sample name of the ingested VCF.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, root } from "./_pipeline-helpers.js";
import { openaiResponse, sendJson, startServer, type FakeServer } from "./providers-fixtures.js";

const ENV_KEY = "envKEY-7q2Z-provider-secret";
const FILE_KEY = "fileKEY-9x4W-provider-secret";
const SERVICE_KEY = "svcKEY-3m8P-bearer-secret";
const NUMERIC_KEY = "83726194501234"; // written unquoted in YAML: a number
const SAMPLES = ["PATIENT_ALICE_7", "PATIENT_BOB_9", "MRN_55512_CAROL"];
const FAIL = "FAIL_PROVIDER";

const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-security-logs-"));
const logFile = path.join(tmp, "all-output.log");
let provider: FakeServer;
const output: string[] = [];

/** A generated VCF whose sample columns carry the names above. */
function patientsVcf(n: number, seed: number): string {
  const text = execFileSync("python3", [path.resolve(root, "../shared/tools/gen_vcf.py"), "--n", String(n), "--seed", String(seed), "--samples", "3"], { encoding: "utf8" });
  const renamed = text.replace("\tS00000\tS00001\tS00002", `\t${SAMPLES.join("\t")}`);
  if (renamed === text) throw new Error("gen_vcf.py sample columns changed: S00000… not found");
  return renamed;
}

/** Runs the built CLI; resolves with its exit status and everything it printed (also kept for the grep). */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, OPENAI_API_KEY: "", VCF_AGENT_API_KEY: "", VCF_AGENT_DEBUG: "1", ...env } });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      output.push(`$ vcf-agent ${args.join(" ")}\n${out}`);
      resolve({ code, out });
    });
  });
}

beforeAll(async () => {
  provider = await startServer((req, res) => {
    const input = req.body.input as string[];
    if (input.some((t) => t.includes(FAIL))) {
      const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
      sendJson(res, 401, { error: { message: `Incorrect API key provided: ${token}. You can find your API key at https://platform.example/account/api-keys.`, type: "invalid_request_error", param: null, code: "invalid_api_key" } });
      return;
    }
    sendJson(res, 200, openaiResponse(input, req.body.dimensions ?? 64));
  });
});

afterAll(async () => {
  await provider?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("logs hold no secrets and no sample names", () => {
  it("CLI and service output, at their most verbose, never contain a key or a sample name", async () => {
    const vcf = patientsVcf(300, 11);
    const vcfPath = path.join(tmp, "patients.vcf");
    writeFileSync(vcfPath, vcf);
    const remote = ["--provider", "openai", "--base-url", `${provider.origin}/v1`, "--model", "test-embed", "--level", "basic"];
    const envKey = { OPENAI_API_KEY: ENV_KEY, VCF_AGENT_EMBEDDING_DIMENSIONS: "64" };

    const numericConfig = path.join(tmp, "numeric-key.yaml");
    writeFileSync(numericConfig, `embedding:\n  provider: openai\n  api_key: ${NUMERIC_KEY}\n`);
    // The CLI runs are independent: in parallel with the service below (process start-up dominates).
    const cliRuns = Promise.all([
      // An ingest with progress, a metrics endpoint and debug output on.
      runCli(["ingest", vcfPath, "--db", path.join(tmp, "cli-db"), "--metrics-port", "0", ...remote], envKey),
      runCli(["describe", vcfPath, "--format", "table"], {}),
      // A provider that refuses the key, quoting it.
      runCli(["embed", `${FAIL} pathogenic BRCA1`, ...remote], envKey),
      // A config file whose key YAML reads as a number (invalid, and still a secret).
      runCli(["embed", "x", "--config", numericConfig], {}),
    ]);

    // 3. The service at log level trace: key required, provider key in its config file.
    const config = path.join(tmp, "serve.json");
    writeFileSync(
      config,
      JSON.stringify({ embedding: { provider: "openai", model: "test-embed", base_url: `${provider.origin}/v1`, api_key: FILE_KEY, dimensions: 64 }, memory_optimization: { optimization_level: "basic" } }),
    );
    const serve = spawn(process.execPath, [cli, "serve", "--db", path.join(tmp, "serve-db"), "--port", "0", "--config", config, "--log-level", "trace"], {
      env: { ...process.env, OPENAI_API_KEY: "", VCF_AGENT_API_KEY: SERVICE_KEY, VCF_AGENT_DEBUG: "1" },
    });
    let serveOut = "";
    serve.stdout.on("data", (c: Buffer) => (serveOut += c.toString("utf8")));
    serve.stderr.on("data", (c: Buffer) => (serveOut += c.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => serve.on("close", resolve));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = /listening on (http:\/\/\S+)/.exec(serveOut);
          if (m) {
            clearInterval(timer);
            resolve(m[1]!);
          }
        }, 50);
        void exited.then((code) => {
          clearInterval(timer);
          reject(new Error(`serve exited with ${code}: ${serveOut}`));
        });
      });
      const auth = { authorization: `Bearer ${SERVICE_KEY}` };
      const call = (method: string, url: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
        fetch(`${base}${url}`, { method, headers: { ...auth, ...headers }, ...(body === undefined ? {} : { body }) });
      const waitJob = async (id: string): Promise<Record<string, unknown>> => {
        for (let i = 0; i < 300; i++) {
          const job = (await (await call("GET", `/v1/jobs/${id}`)).json()) as Record<string, unknown>;
          if (job.state !== "queued" && job.state !== "running") return job;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`job ${id} did not finish`);
      };

      const upload = await call("POST", "/v1/ingest?name=patients.vcf.gz", gzipSync(Buffer.from(vcf)), { "content-type": "application/gzip" });
      expect(upload.status).toBe(202);
      expect((await waitJob(((await upload.json()) as { jobId: string }).jobId)).state).toBe("done");
      // A record that quotes a sample name where a position belongs: the job fails, its message quotes the record.
      const bad = vcf.replace(/\n(\w+)\t(\d+)\t/, `\n$1\t${SAMPLES[0]}_POS\t`);
      const badUpload = await call("POST", "/v1/ingest?name=bad.vcf", bad, { "content-type": "text/x-vcf" });
      const badJob = await waitJob(((await badUpload.json()) as { jobId: string }).jobId);
      expect(badJob).toMatchObject({ state: "failed", errorCode: "VCF_FORMAT" });
      const search = await call("POST", `/v1/search?token=${SERVICE_KEY}&sample=${SAMPLES[1]}`, JSON.stringify({ text: `${SAMPLES[1]} 0/1 carrier`, k: 3 }), {
        "content-type": "application/json",
      });
      expect(search.status).toBe(200);
      const embedFail = await call("POST", "/v1/embed", JSON.stringify({ texts: [`${FAIL} ${SAMPLES[2]}`] }), { "content-type": "application/json" });
      expect(embedFail.status).toBe(502);
      const embedFailBody = await embedFail.text();
      expect(embedFailBody).not.toContain(FILE_KEY);
      const wrong = await fetch(`${base}/v1/stats`, { headers: { authorization: `Bearer ${SERVICE_KEY}x` } });
      expect(wrong.status).toBe(401);
      // What the API hands out holds no key either.
      for (const url of ["/v1/stats", "/metrics", "/v1/jobs"]) {
        const text = await (await call("GET", url)).text();
        for (const secret of [FILE_KEY, SERVICE_KEY]) expect(text, url).not.toContain(secret);
      }
    } finally {
      serve.kill("SIGTERM");
      await exited;
      output.push(`$ vcf-agent serve …\n${serveOut}`);
    }

    const [ingest, describeRun, refused, numeric] = await cliRuns;
    expect(ingest.code, ingest.out).toBe(0);
    expect(ingest.out).toMatch(/variants: 312 read, 312 written/);
    expect(describeRun.code).toBe(0);
    expect(refused.code).toBe(3);
    expect(refused.out).toContain("401");
    expect(numeric.code).toBe(2);
    expect(numeric.out).toContain("embedding.api_key");

    // The keys were in use: the provider saw them.
    const presented = new Set(provider.requests.map((r) => r.headers.authorization));
    expect(presented).toContain(`Bearer ${ENV_KEY}`);
    expect(presented).toContain(`Bearer ${FILE_KEY}`);
    // The service log is there and carries the events whose details it must withhold.
    expect(serveOut).toMatch(/"msg":"request"/);
    expect(serveOut).toMatch(/ingest job [0-9a-f-]+ failed \(VCF_FORMAT\)/);
    expect(serveOut).toMatch(/request failed \(PROVIDER\)/);
    expect(serveOut).toContain("[redacted]");

    // grep, as an operator would, over everything the processes printed.
    writeFileSync(logFile, output.join("\n"));
    for (const needle of [ENV_KEY, FILE_KEY, SERVICE_KEY, NUMERIC_KEY, ...SAMPLES, "PATIENT_", "0/1 carrier"]) {
      const grep = spawnSync("grep", ["-F", "-n", "--", needle, logFile], { encoding: "utf8" });
      expect(grep.status, `grep -F ${needle}: ${grep.stdout}`).toBe(1);
    }
    // And the grep would find them were they there (the file is what we think it is).
    expect(spawnSync("grep", ["-F", "-q", "--", "listening on", logFile]).status).toBe(0);
  }, 120_000); // five CLI processes start here: ~10 s on an idle machine, 40 s seen at load 15
});
