// Fuzz case generation: case `i` of a run seeded `s` is a pure function of (s, i, seeds,
// options), so a failing case can be rebuilt and written out by any process.
import { bgzf, gzipMember } from "./containers.mjs";
import { seedLines, textSeed } from "./seeds.mjs";
import { TEXT_MUTATORS } from "./text-mutators.mjs";
import { hugeField } from "./big-mutators.mjs";
import { gzipCorrupt, regionCase } from "./gzip-mutators.mjs";
import { Rng, caseSeed } from "./rng.mjs";

/** How often each mutator is drawn (huge inputs are rare: each costs megabytes). */
export const MUTATOR_WEIGHTS = {
  identity: 2,
  "byte-flip": 10,
  truncate: 6,
  "line-shuffle": 5,
  "line-duplicate": 5,
  "line-delete": 5,
  "random-info": 12,
  "invalid-utf8": 6,
  "header-damage": 8,
  "field-edit": 12,
  "line-endings": 5,
  splice: 4,
  stacked: 7,
  "gzip-corrupt": 10,
  region: 3,
  "huge-field": 1,
};

/** Default largest huge-field input (bytes). */
export const DEFAULT_MAX_HUGE = 10 << 20;

/** A text mutator applied to a seed, chosen at random. */
function anyTextMutation(rng, seed, seeds) {
  const name = rng.pick(Object.keys(TEXT_MUTATORS));
  const r = TEXT_MUTATORS[name](rng, seed, seeds);
  return { text: r.text, note: `${name}: ${r.note}` };
}

/**
 * Builds case `index` of run `runSeed`. `options.maxHuge` caps huge-field sizes;
 * `options.mutators` restricts the draw to the named mutators.
 */
export function generateCase(seeds, runSeed, index, mulberry32, options = {}) {
  const rng = new Rng(mulberry32(caseSeed(runSeed, index)));
  const weights = options.mutators ? Object.fromEntries(options.mutators.map((m) => [m, MUTATOR_WEIGHTS[m] ?? 1])) : MUTATOR_WEIGHTS;
  const mutator = rng.weighted(weights);
  const indexed = seeds.filter((s) => s.index !== undefined);
  const seed = mutator === "region" && indexed.length > 0 ? rng.pick(indexed) : rng.pick(seeds);
  const c = {
    index,
    runSeed,
    mutator,
    seed: seed.name,
    note: "",
    bytes: undefined,
    textBytes: undefined,
    mode: rng.chance(0.75) ? "stream" : "path",
    chunking: rng.pick(["one", "random", "random", "tiny"]),
    chunkSeed: rng.seed(),
    onInvalid: rng.chance(0.3) ? "skip" : "error",
    batchSize: rng.pick([1, 7, 64, 1000]),
    region: undefined,
    tabixIndex: undefined,
    name: `fuzz-${index}`,
  };
  let text;
  if (mutator === "identity") {
    c.bytes = seed.raw;
    c.textBytes = seed.text.length;
    c.note = "seed as is";
    if (seed.index !== undefined && rng.chance(0.5)) {
      c.mode = "region";
      c.tabixIndex = seed.index;
      c.region = seedLines(seed).body[0]?.toString("latin1").split("\t")[0] ?? "1";
    }
  } else if (mutator === "gzip-corrupt") {
    const base = rng.chance(0.3) ? anyTextMutation(rng, seed, seeds).text : seed.text;
    const r = gzipCorrupt(rng, base);
    c.bytes = r.bytes;
    c.note = r.note;
  } else if (mutator === "region") {
    if (seed.index === undefined) throw new Error("no indexed seed for the region mutator");
    const r = regionCase(rng, seed, (g, s) => anyTextMutation(g, s, seeds));
    Object.assign(c, { bytes: r.bytes, tabixIndex: r.index, region: r.region, note: r.note, mode: "region" });
  } else if (mutator === "huge-field") {
    const size = rng.logRange(1 << 20, Math.max(1 << 20, options.maxHuge ?? DEFAULT_MAX_HUGE));
    const r = hugeField(rng, seed, size);
    text = r.text;
    c.note = r.note;
  } else if (mutator === "stacked") {
    let cur = seed;
    const notes = [];
    for (let i = rng.range(2, 4); i > 0; i--) {
      const r = anyTextMutation(rng, cur, seeds);
      notes.push(r.note);
      cur = textSeed(seed.name, r.text);
    }
    text = cur.text;
    c.note = notes.join(" | ");
  } else {
    const r = TEXT_MUTATORS[mutator](rng, seed, seeds);
    text = r.text;
    c.note = r.note;
  }
  if (text !== undefined) {
    c.textBytes = text.length;
    const container = rng.weighted({ plain: 6, gzip: 1.5, bgzf: 2.5 });
    c.bytes = container === "plain" ? text : container === "gzip" ? gzipMember(text, 1) : bgzf(text, { level: 1 });
    c.note += ` (${container})`;
  }
  // One-byte chunks only for small inputs: they exist to split lines and UTF-8 sequences, not to be slow.
  if (c.chunking === "tiny" && c.bytes.length > 64 << 10) c.chunking = "random";
  c.name += c.bytes[0] === 0x1f && c.bytes[1] === 0x8b ? ".vcf.gz" : ".vcf";
  return c;
}
