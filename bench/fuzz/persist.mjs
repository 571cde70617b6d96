// Failing cases on disk: the input bytes (plus its index for region cases) and a JSON file
// with everything else needed to run it again with `npm run fuzz -- --replay FILE`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Writes case `c` (and why it failed) under `dir`; returns the input's path. */
export function saveCase(dir, c, result) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `case-${c.runSeed}-${c.index}${c.name.endsWith(".gz") ? ".vcf.gz" : ".vcf"}`);
  writeFileSync(file, c.bytes);
  if (c.tabixIndex !== undefined) writeFileSync(`${file}.${c.tabixIndex.ext}`, c.tabixIndex.bytes);
  const { bytes, tabixIndex, ...meta } = c;
  writeFileSync(`${file}.json`, `${JSON.stringify({ ...meta, indexExt: tabixIndex?.ext, result }, null, 2)}\n`);
  return file;
}

/**
 * Rebuilds a case from a saved input. Without its JSON file, any VCF path is read as a
 * whole-buffer stream with `onInvalid: "error"`.
 */
export function loadCase(file) {
  const bytes = readFileSync(file);
  const metaFile = `${file}.json`;
  const meta = existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, "utf8")) : {};
  const c = {
    index: meta.index ?? 0,
    runSeed: meta.runSeed ?? 0,
    mutator: meta.mutator ?? "replay",
    seed: meta.seed ?? path.basename(file),
    note: meta.note ?? "",
    bytes,
    textBytes: meta.textBytes,
    mode: meta.mode ?? "stream",
    chunking: meta.chunking ?? "one",
    chunkSeed: meta.chunkSeed ?? 0,
    onInvalid: meta.onInvalid ?? "error",
    batchSize: meta.batchSize ?? 64,
    region: meta.region,
    tabixIndex: meta.indexExt ? { ext: meta.indexExt, bytes: readFileSync(`${file}.${meta.indexExt}`) } : undefined,
    name: meta.name ?? path.basename(file),
  };
  return c;
}
