// What "consistent" means after a stop, and "exact" after a completed run, checked
// against the file's own variant set (the reader's view, `vcf-agent describe`).
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { cli, readCheckpoint, storedIds } from "./_common.mjs";

const dist = join(cli, "..", "..", "index.js");

/**
 * After a stop: the table holds the distinct ids of some prefix of the file, each once.
 * Returns that prefix's length (in file order, repeats included) or a problem.
 */
export async function checkPrefix(db, fileIds, table = "variants") {
  if (!existsSync(join(db, `${table}.lance`, "_versions"))) return { rows: 0, prefix: 0, ok: true };
  let ids;
  try {
    ids = await storedIds(db, table);
  } catch (e) {
    return { rows: 0, prefix: 0, ok: false, problem: `table cannot be read: ${e.message.split("\n")[0].slice(0, 160)}` };
  }
  const stored = new Set(ids);
  if (stored.size !== ids.length) return { rows: ids.length, prefix: 0, ok: false, problem: `${ids.length - stored.size} variant ids stored twice` };
  let m = 0;
  const seen = new Set();
  while (m < fileIds.length && stored.has(fileIds[m])) seen.add(fileIds[m++]);
  if (seen.size !== stored.size) return { rows: ids.length, prefix: m, ok: false, problem: `${stored.size - seen.size} stored ids lie beyond the longest stored prefix (not a prefix)` };
  return { rows: ids.length, prefix: m, ok: true };
}

/**
 * After a completed run: row count, the set of variant_ids, no duplicates, every vector of
 * the table's width and finite, the checkpoint complete, and — when the table has a PCA
 * model — the model loads, gives the table's width, and re-embedding a sample of stored
 * descriptions and projecting them with it gives the stored vectors.
 * @returns a list of `{check, ok, detail}`.
 */
export async function verifyExact(db, fileIds, { table = "variants", sampleEvery = 800, providerId } = {}) {
  const expected = new Set(fileIds);
  const checks = [];
  const add = (check, ok, detail) => checks.push({ check, ok, detail });
  const conn = await lancedb.connect(db);
  let width = 0;
  const sample = { descriptions: [], vectors: [] };
  const ids = [];
  let badWidth = 0;
  let nonFinite = 0;
  try {
    const t = await conn.openTable(table);
    width = (await t.schema()).fields.find((f) => f.name === "vector").type.listSize;
    let row = 0;
    for await (const batch of t.query().select(["variant_id", "vector", "description"])) {
      const idCol = batch.getChild("variant_id");
      const vecCol = batch.getChild("vector");
      const descCol = batch.getChild("description");
      for (let i = 0; i < batch.numRows; i++, row++) {
        ids.push(idCol.get(i));
        const v = vecCol.get(i).toArray();
        if (v.length !== width) badWidth++;
        for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j])) { nonFinite++; break; }
        if (row % sampleEvery === 0) {
          sample.descriptions.push(descCol.get(i));
          sample.vectors.push(Float32Array.from(v));
        }
      }
    }
    t.close();
  } finally {
    conn.close();
  }
  const stored = new Set(ids);
  add("row count", ids.length === expected.size, `${ids.length} rows, file has ${expected.size} distinct variants`);
  add("no duplicates", stored.size === ids.length, `${ids.length - stored.size} ids stored twice`);
  let missing = 0;
  for (const id of expected) if (!stored.has(id)) missing++;
  let extra = 0;
  for (const id of stored) if (!expected.has(id)) extra++;
  add("variant_id set equal", missing === 0 && extra === 0, `${missing} missing, ${extra} not in the file`);
  add("vector widths", badWidth === 0 && nonFinite === 0, `width ${width}; ${badWidth} of another width, ${nonFinite} with a non-finite value`);
  const cp = readCheckpoint(db, table);
  add(
    "checkpoint complete",
    cp !== null && cp.complete === true && cp.variantsCommitted === fileIds.length && cp.tableRows === ids.length,
    cp === null ? "no checkpoint" : `complete ${cp.complete}, ${cp.variantsCommitted} of ${fileIds.length} committed, tableRows ${cp.tableRows}`,
  );
  const modelPath = join(db, `${table}.pca`);
  if (existsSync(modelPath)) add(...(await checkModel(modelPath, width, sample, providerId)));
  else add("PCA model", true, "none (full-width table)");
  return checks;
}

/**
 * The model loads for the provider (default: the local embedder; `providerId` names another
 * that serves the local embedder's vectors), gives `width`, and reproduces the sampled stored vectors.
 */
async function checkModel(modelPath, width, sample, providerId) {
  const { loadModel, projectBatch, createProvider, resolveSessionConfig } = await import(dist);
  const config = await resolveSessionConfig({ env: {} });
  const provider = createProvider(config.embedding, config.memoryOptimization);
  let model;
  try {
    model = await loadModel(modelPath, { providerId: providerId ?? provider.id, inputDimensions: provider.dimensions });
  } catch (e) {
    return ["PCA model", false, e.message];
  }
  if (model.outputDimensions !== width) return ["PCA model", false, `model gives ${model.outputDimensions}-d, table stores ${width}-d`];
  const raw = await provider.embedDocuments(sample.descriptions);
  const d = provider.dimensions;
  const flat = new Float32Array(raw.length * d);
  raw.forEach((v, i) => flat.set(v, i * d));
  const projected = projectBatch(model, flat, raw.length);
  let worst = 0;
  for (let i = 0; i < raw.length; i++) {
    const s = sample.vectors[i];
    for (let j = 0; j < width; j++) worst = Math.max(worst, Math.abs(projected[i * width + j] - s[j]));
  }
  return ["PCA model", worst < 1e-4, `${model.inputDimensions}→${model.outputDimensions}; ${raw.length} sampled rows re-embedded and projected, max |Δ| ${worst.toExponential(1)}`];
}
