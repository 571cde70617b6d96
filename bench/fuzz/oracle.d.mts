/** The reader API a fuzz case is run against (dist/ in the script, src/ in tests). */
export interface FuzzApi {
  openVcf(input: string, options?: object): Promise<unknown>;
  openVcfStream(readable: NodeJS.ReadableStream, name: string, options?: object): Promise<unknown>;
  VcfAgentError: abstract new (...args: never[]) => Error;
  annotationLayout(header: never): unknown;
  summarizeVariant(v: never, layout: never): unknown;
  mulberry32(seed: number): () => number;
}
/** One fuzz case: an input and how to read it. */
export interface FuzzCase {
  index: number;
  runSeed: number;
  mutator: string;
  /** Seed file name. */
  seed: string;
  note: string;
  bytes: Buffer;
  /** Decompressed size when known (budgets scale with it). */
  textBytes: number | undefined;
  mode: "stream" | "path" | "region";
  chunking: "one" | "random" | "tiny";
  chunkSeed: number;
  onInvalid: "error" | "skip";
  batchSize: number;
  region: string | undefined;
  /** The .tbi/.csi index of a region case. */
  tabixIndex: { ext: string; bytes: Buffer } | undefined;
  name: string;
}
/** Outcome of one case. */
export interface FuzzResult {
  outcome: "accepted" | "rejected-line" | "rejected-region" | "rejected-file" | "failure";
  variants: number;
  message: string | undefined;
  failure: string | undefined;
  ms: number;
  peakBytes: number;
}
/** Memory (bytes) and time (ms) budget of a case. */
export function budgetOf(c: FuzzCase): { bytes: number; ms: number };
/** Runs case `c` through `api`; path and region cases write files under `env.tmpDir`. */
export function runCase(api: FuzzApi, c: FuzzCase, env: { tmpDir: string }): Promise<FuzzResult>;
