import { rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SessionConfig } from "../src/config.js";
import { createProvider } from "../src/providers/create.js";
import { IngestJobs, type IngestJob } from "../src/server/jobs.js";
import { generateVcf, tempDir } from "./_pipeline-helpers.js";

const tmp = tempDir("jobs");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("ingest jobs", () => {
  it("a job reads done only after its table reopen ran and its slot is free", async () => {
    const input = generateVcf(tmp, 300, 5);
    const config = new SessionConfig({ memoryOptimization: { optimizationLevel: "basic" }, store: { uri: path.join(tmp, "db") } });
    const provider = createProvider(config.embedding, config.memoryOptimization);
    let reopened = false;
    const jobs = new IngestJobs({
      config,
      provider,
      // A slow reopen widens the window in which a client could see "done" too early.
      onFinished: async () => {
        await new Promise((r) => setTimeout(r, 300));
        reopened = true;
      },
    });
    const reservation = jobs.reserve();
    expect(reservation).not.toBeNull();
    const job: IngestJob = jobs.start(reservation!, input, { kind: "path", path: input });
    expect(jobs.reserve()).toBeNull();
    while (job.state === "queued" || job.state === "running") await new Promise((r) => setTimeout(r, 5));
    expect(job.state).toBe("done");
    expect(reopened).toBe(true);
    expect(job.finishedAt).not.toBeNull();
    const next = jobs.reserve();
    expect(next).not.toBeNull();
    next!.release();
    await jobs.shutdown();
  });
});
