/**
 * PCA training samples drawn from the whole input. VCF files are sorted by position, so
 * the first N variants all come from the first chromosomes; a model fitted on them
 * serves the rest of the genome poorly (docs/pca.md: recall@10 0.90 when fitted on the
 * first 3,072 local-embedder vectors vs 0.97 on vectors spread over the file). For a file
 * input, ingest therefore reads it once more up front — parsing only — and keeps a
 * uniform reservoir sample of descriptions, which it embeds and fits before writing.
 */
import type { EmbeddingProvider } from "../providers/provider.js";
import { annotationLayout } from "../vcf/annotations/index.js";
import { summarizeVariant } from "../vcf/describe.js";
import { openVcf } from "../vcf/reader.js";
import { mulberry32 } from "../util/random.js";
import { Breather } from "../util/breather.js";

/** A uniform sample of an input's variants, embedded at the provider width. */
export interface TrainingSample {
  /** n × provider.dimensions, row-major. */
  readonly vectors: Float32Array;
  readonly n: number;
  /** Variants the sample was drawn from. */
  readonly population: number;
}

/** A copy of `s` that shares no memory with the decoded chunk it was cut from. */
function detach(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}

/**
 * Reservoir-samples `size` variant descriptions from `input` (Algorithm R, seeded) and
 * embeds them. Bad records are skipped here: the ingest pass itself reports them at
 * their place. Memory: the `size` descriptions, then one n × d buffer.
 * @throws the signal's reason when `signal` aborts: a partial sample is never returned.
 */
export async function sampleTrainingVectors(
  input: string,
  options: { region?: string; size: number; provider: EmbeddingProvider; seed?: number; signal?: AbortSignal },
): Promise<TrainingSample> {
  const reader = await openVcf(input, { ...(options.region === undefined ? {} : { region: options.region }), onInvalid: "skip" });
  const reservoir: string[] = [];
  // Seeded: the same file gives the same sample, run after run.
  const random = mulberry32(options.seed ?? 0x5eed);
  let seen = 0;
  const breather = new Breather();
  try {
    const layout = annotationLayout(reader.header);
    for await (const batch of reader.batches(4096)) {
      await breather.breathe();
      for (const v of batch) {
        seen++;
        if (reservoir.length < options.size) reservoir.push(detach(summarizeVariant(v, layout).description));
        else {
          const j = Math.floor(random() * seen);
          if (j < options.size) reservoir[j] = detach(summarizeVariant(v, layout).description);
        }
      }
      if (options.signal?.aborted) break;
    }
  } finally {
    await reader.close();
  }
  // A sample cut short covers only the file's start: fitting on it would bias the model for good.
  options.signal?.throwIfAborted();
  const d = options.provider.dimensions;
  const vectors = new Float32Array(reservoir.length * d);
  const chunk = 512;
  for (let i = 0; i < reservoir.length; i += chunk) {
    await breather.breathe();
    const part = await options.provider.embedDocuments(reservoir.slice(i, i + chunk), options.signal ? { signal: options.signal } : {});
    part.forEach((v, j) => vectors.set(v, (i + j) * d));
  }
  return { vectors, n: reservoir.length, population: seen };
}
