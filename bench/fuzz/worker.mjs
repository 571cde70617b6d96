// A fuzz worker thread: builds cases by number and runs them through the oracle. The main
// thread keeps a deadline per case and terminates a worker that does not answer in time.
import { parentPort, workerData } from "node:worker_threads";
import { loadApi } from "./api.mjs";
import { generateCase } from "./cases.mjs";
import { budgetOf, runCase } from "./oracle.mjs";
import { loadSeeds } from "./seeds.mjs";

const { distDir, dataDir, runSeed, options, tmpDir } = workerData;
const api = await loadApi(distDir);
const seeds = loadSeeds(dataDir);

parentPort.on("message", async (index) => {
  let c;
  try {
    c = generateCase(seeds, runSeed, index, api.mulberry32, options);
  } catch (err) {
    // A bug of the fuzzer itself, not of the reader: reported apart.
    parentPort.postMessage({ type: "harness-error", index, error: err instanceof Error ? err.stack : String(err) });
    return;
  }
  parentPort.postMessage({ type: "start", index, budgetMs: budgetOf(c).ms });
  const result = await runCase(api, c, { tmpDir });
  parentPort.postMessage({ type: "done", index, mutator: c.mutator, seed: c.seed, note: c.note, result });
});
parentPort.postMessage({ type: "ready", seeds: seeds.length });
