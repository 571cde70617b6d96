// The reader API the fuzzer drives, loaded from the built package (dist/). Tests pass the
// same shape built from src/ instead.
import path from "node:path";
import { pathToFileURL } from "node:url";

/** `{ openVcf, openVcfStream, VcfAgentError, annotationLayout, summarizeVariant, mulberry32 }` from `distDir`. */
export async function loadApi(distDir) {
  const lib = await import(pathToFileURL(path.join(distDir, "index.js")).href);
  const { mulberry32 } = await import(pathToFileURL(path.join(distDir, "util/random.js")).href);
  const { openVcf, openVcfStream, VcfAgentError, annotationLayout, summarizeVariant } = lib;
  return { openVcf, openVcfStream, VcfAgentError, annotationLayout, summarizeVariant, mulberry32 };
}
