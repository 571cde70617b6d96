// The oracle of one fuzz case: read the whole input through the public reader API and
// through describe (annotationLayout + summarizeVariant, what ingest does), checking every
// variant's invariants and its line against the input text. The case passes when reading
// completes ("accepted") or stops with a VcfAgentError that names the file and a line, the
// region, or a whole-input reason ("rejected-*"); anything else is a failure: another
// exception type, a broken invariant, an error without a place, too much time or memory.
import { Readable } from "node:stream";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { constants, gunzipSync } from "node:zlib";
import { Rng } from "./rng.mjs";

const KINDS = new Set(["snv", "mnv", "indel", "symbolic", "breakend", "overlapping_deletion", "complex"]);
const SOURCES = new Set(["clinvar", "vep", "snpeff", "clinvar+vep", "clinvar+snpeff", "none"]);
const CODES = new Set(["VCF_FORMAT", "VCF_IO", "VCF_REGION"]);
const TYPES = new Set(["Integer", "Float", "Flag", "Character", "String"]);
const NUMBER_RE = /^(?:[ARG.]|\d+)$/;
/** Messages of errors about the input as a whole (no line to name); anything else must name a line or region. */
const WHOLE_INPUT = [
  /: empty (file|input)\b/, /: (BCF|bzip2-compressed input|xz-compressed input|zstd-compressed input) is not supported/,
  /: (gzip|bgzf) stream is truncated/, /: corrupt (gzip|bgzf) data/,
];
/** INFO keys touched per variant beyond the ones describe reads (every key is listed; typing all of them is the user's choice). */
const INFO_KEYS_TOUCHED = 32;
/** ALTs of a record whose INFO, samples and JSON form are checked in full. */
const DEEP_ALTS = 4;
/** Variants between two memory samples. */
const SAMPLE_EVERY = 256;

// A full collection before calling a case over its memory budget: garbage is not memory in use.
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc");

/** A broken invariant: always a failure. */
class Invariant extends Error {}

function must(ok, what) {
  if (!ok) throw new Invariant(what);
}

/** Heap plus off-heap (Buffer) bytes in use. */
function usedBytes() {
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
}

/** Deterministic chunking of the input, as a stream from a network or a pipe would deliver it. */
function* chunksOf(bytes, chunking, seed, mulberry32) {
  if (chunking === "one") {
    yield bytes;
    return;
  }
  const rng = new Rng(mulberry32(seed));
  const max = chunking === "tiny" ? 16 : 8192;
  for (let i = 0; i < bytes.length; ) {
    const n = rng.range(1, max);
    yield bytes.subarray(i, i + n);
    i += n;
  }
}

/** The decompressed text when it can be decoded completely (a truncated stream gives its prefix), else undefined. */
function plainText(bytes) {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return undefined;
  }
}

/** Start offsets of the lines of `text` (built on first use). */
function lineStarts(text) {
  const starts = [0];
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * Memory and time budget of a case: 64 MiB + 12 × its text (heap and Buffers in use, after a
 * full collection, over what was in use before the case), 10 s + 2 s per MiB.
 */
export function budgetOf(c) {
  const text = c.textBytes ?? 32 * c.bytes.length;
  return { bytes: (64 << 20) + 12 * text, ms: 10_000 + 2_000 * (text / (1 << 20)) };
}

/**
 * Runs case `c` with the reader API `api` ({ openVcf, openVcfStream, VcfAgentError,
 * annotationLayout, summarizeVariant, mulberry32 }). Files for path and region cases go to
 * `env.tmpDir`. Returns `{ outcome, variants, message?, failure?, ms, peakBytes }` where
 * outcome is `accepted`, `rejected-line`, `rejected-region`, `rejected-file` or `failure`.
 */
export async function runCase(api, c, env) {
  const started = performance.now();
  const budget = budgetOf(c);
  const base = usedBytes();
  let peak = 0;
  const sample = () => {
    let d = usedBytes() - base;
    if (d > budget.bytes) {
      collect();
      d = usedBytes() - base;
    }
    if (d > peak) peak = d;
  };
  const plain = c.mode === "region" ? undefined : plainText(c.bytes);
  let starts;
  const files = [];
  let source = c.name;
  let count = 0;
  let reader;
  const result = { outcome: "accepted", variants: 0, message: undefined, failure: undefined, ms: 0, peakBytes: 0 };
  try {
    const options = { onInvalid: c.onInvalid };
    if (c.mode === "stream") {
      reader = await api.openVcfStream(Readable.from(chunksOf(c.bytes, c.chunking, c.chunkSeed, api.mulberry32)), c.name, options);
    } else {
      mkdirSync(env.tmpDir, { recursive: true });
      source = path.join(env.tmpDir, c.name);
      writeFileSync(source, c.bytes);
      files.push(source);
      if (c.mode === "region") {
        const idx = `${source}.${c.tabixIndex.ext}`;
        writeFileSync(idx, c.tabixIndex.bytes);
        files.push(idx);
        options.region = c.region;
      }
      reader = await api.openVcf(source, options);
    }
    checkHeader(reader.header);
    const layout = api.annotationLayout(reader.header);
    let lastLine = 0;
    let sinceSample = 0;
    for await (const batch of reader.batches(c.batchSize)) {
      must(Array.isArray(batch) && batch.length >= 1 && batch.length <= c.batchSize, `batch of ${batch?.length} for size ${c.batchSize}`);
      for (const v of batch) {
        checkVariant(v, c.mode === "region");
        if (c.mode !== "region") {
          must(v.line >= lastLine, `line ${v.line} after line ${lastLine}`);
          lastLine = v.line;
          if (plain !== undefined) {
            starts ??= lineStarts(plain);
            checkAgainstText(v, plain, starts);
          }
        }
        checkSummary(v, api.summarizeVariant(v, layout));
        count++;
      }
      sinceSample += batch.length;
      if (sinceSample >= SAMPLE_EVERY) {
        sample();
        sinceSample = 0;
      }
    }
    sample();
    must(reader.stats.variants === count, `stats.variants ${reader.stats.variants} but ${count} variants yielded`);
    if (c.onInvalid === "error") must(reader.stats.skippedInvalid === 0, "lines skipped under onInvalid: error");
  } catch (err) {
    sample();
    Object.assign(result, classify(err, api, source, plain, starts, c));
    if (reader !== undefined && result.outcome !== "failure" && reader.stats.variants !== count) {
      result.outcome = "failure";
      result.failure = `stats.variants ${reader.stats.variants} but ${count} variants delivered before the error`;
    }
  } finally {
    for (const f of files) rmSync(f, { force: true });
    lineMemo.text = undefined;
  }
  result.variants = count;
  result.ms = performance.now() - started;
  result.peakBytes = peak;
  if (result.outcome !== "failure" && peak > budget.bytes) {
    result.outcome = "failure";
    result.failure = `memory: ${(peak / 2 ** 20).toFixed(1)} MiB in use over the ${(budget.bytes / 2 ** 20).toFixed(1)} MiB budget`;
  }
  if (result.outcome !== "failure" && result.ms > budget.ms) {
    result.outcome = "failure";
    result.failure = `time: ${Math.round(result.ms)} ms over the ${Math.round(budget.ms)} ms budget`;
  }
  return result;
}

/** Sorts an error into an outcome; see the module comment. */
function classify(err, api, source, plain, starts, c) {
  if (err instanceof Invariant) return { outcome: "failure", failure: `invariant: ${err.message}` };
  const name = err?.constructor?.name ?? typeof err;
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof api.VcfAgentError)) {
    const where = err instanceof Error ? (err.stack ?? "").split("\n").slice(1, 4).map((s) => s.trim()).join(" < ") : "";
    return { outcome: "failure", failure: `exception ${name}: ${message.slice(0, 300)} at ${where}`, message };
  }
  const fail = (why) => ({ outcome: "failure", failure: `${why}: ${message.slice(0, 300)}`, message });
  if (!CODES.has(err.code)) return fail(`error code ${err.code}`);
  if (!message.startsWith(source)) return fail(`error does not name ${source}`);
  const lines = plain === undefined ? undefined : (starts ?? lineStarts(plain)).length;
  if (typeof err.line === "number") {
    if (!Number.isSafeInteger(err.line) || err.line < 1) return fail(`line ${err.line}`);
    if (lines !== undefined && err.line > lines) return fail(`line ${err.line} of ${lines}`);
    if (!message.startsWith(`${source}:${err.line}: `)) return fail("line not in the message");
    return { outcome: "rejected-line", message };
  }
  if (err.code === "VCF_REGION" || (c.mode === "region" && message.startsWith(`${source} (region `))) return { outcome: "rejected-region", message };
  if (!WHOLE_INPUT.some((re) => re.test(message))) return fail("error names neither a line, a region nor a whole-input reason");
  const last = /last complete line was (\d+)/.exec(message);
  if (last && lines !== undefined && Number(last[1]) > lines) return fail(`last complete line ${last[1]} of ${lines}`);
  return { outcome: "rejected-file", message };
}

function checkHeader(h) {
  must(Array.isArray(h.samples) && h.samples.every((s) => typeof s === "string" && s.length > 0), "header samples");
  must(Array.isArray(h.metaLines), "header metaLines");
  for (const m of [h.info, h.format]) {
    for (const [id, d] of m) must(d.id === id && TYPES.has(d.type) && NUMBER_RE.test(d.number) && typeof d.description === "string", `definition ${id}`);
  }
}

const BAD_ALLELE = /[\t\n, ]/;

/**
 * The invariants of src/vcf/types.ts `Variant` (plus the VcfVariant extras). The checks that
 * read whole columns run for the first ALTs of a record only, so a 100k-ALT record costs the
 * oracle linear time (describe still runs on every variant).
 */
function checkVariant(v, region) {
  const at = `variant ${JSON.stringify(String(v.variantId).slice(0, 80))}`;
  must(typeof v.chrom === "string" && v.chrom.length > 0 && !/[\t\n]/.test(v.chrom), `${at}: chrom`);
  must(Number.isSafeInteger(v.pos) && v.pos >= 0, `${at}: pos ${v.pos}`);
  must(typeof v.ref === "string" && v.ref.length > 0 && v.ref !== "." && !BAD_ALLELE.test(v.ref), `${at}: ref`);
  must(typeof v.alt === "string" && v.alt.length > 0 && v.alt !== "." && v.alt !== "<*>" && v.alt !== "<NON_REF>" && !BAD_ALLELE.test(v.alt), `${at}: alt`);
  must(Number.isSafeInteger(v.altCount) && v.altCount >= 1 && Number.isSafeInteger(v.altIndex) && v.altIndex >= 0 && v.altIndex < v.altCount, `${at}: altIndex ${v.altIndex} of ${v.altCount}`);
  must(v.variantId === `${v.chrom}-${v.pos}-${v.ref}-${v.alt}`, `${at}: variantId`);
  must(KINDS.has(v.kind), `${at}: kind ${v.kind}`);
  const q = v.qual;
  must(q === null || (typeof q === "number" && !Number.isNaN(q)), `${at}: qual ${q}`);
  const f = v.filter;
  must(Array.isArray(f) && f.every((x) => typeof x === "string" && !/[\t\n]/.test(x)), `${at}: filter`);
  must(typeof v.id === "string" && !/[\t\n]/.test(v.id), `${at}: id`);
  must(region ? v.line === 0 : Number.isSafeInteger(v.line) && v.line >= 1, `${at}: line ${v.line}`);
  if (v.altIndex >= DEEP_ALTS) return;
  must(typeof v.rawInfo === "string" && !/[\t\n]/.test(v.rawInfo), `${at}: rawInfo`);
  const keys = v.infoKeys();
  must(Array.isArray(keys) && new Set(keys).size === keys.length && keys.every((k) => typeof k === "string" && !/[;\t\n]/.test(k)), `${at}: infoKeys`);
  for (let i = 0; i < keys.length && i < INFO_KEYS_TOUCHED; i++) {
    const val = v.info(keys[i]);
    must(keys[i] === "" ? val === undefined : val !== undefined, `${at}: info(${keys[i]}) of a listed key is ${val}`);
    if (val !== undefined) checkInfoValue(val, `${at}: info(${keys[i]})`);
  }
  must(v.info("NO_SUCH_KEY_IN_ANY_FILE") === undefined, `${at}: absent key`);
  if (typeof v.formatKeys === "function") {
    const fk = v.formatKeys();
    const sc = v.sampleColumns();
    must(Array.isArray(fk) && fk.every((x) => typeof x === "string"), `${at}: formatKeys`);
    must(Array.isArray(sc) && sc.every((x) => typeof x === "string" && !/[\t\n]/.test(x)), `${at}: sampleColumns`);
    const raw = v.rawLine();
    must(typeof raw === "string" && raw.startsWith(`${v.chrom}\t`) && !raw.includes("\n"), `${at}: rawLine`);
    JSON.stringify(v.toJSON());
  }
}

function checkInfoValue(val, at) {
  const scalar = (x) => x === null || typeof x === "string" || typeof x === "number";
  must(val === true || scalar(val) || (Array.isArray(val) && val.every(scalar)), `${at}: ${typeof val}`);
}

/** Columns of the line checked last (the ALTs of one record share it). */
const lineMemo = { text: undefined, line: 0, cols: [], alts: [] };

/** The variant's line in the input holds its CHROM, POS, REF and ALT list. */
function checkAgainstText(v, text, starts) {
  if (lineMemo.text !== text || lineMemo.line !== v.line) {
    const s = starts[v.line - 1];
    must(s !== undefined, `variant line ${v.line} beyond the ${starts.length} lines of the input`);
    let e = v.line < starts.length ? starts[v.line] - 1 : text.length;
    if (e > s && text[e - 1] === 13) e--;
    const cols = text.subarray(s, e).toString("utf8").split("\t", 5);
    Object.assign(lineMemo, { text, line: v.line, cols, alts: (cols[4] ?? "").split(",") });
  }
  const { cols, alts } = lineMemo;
  must(cols[0] === v.chrom && Number(cols[1]) === v.pos && cols[3] === v.ref && alts[v.altIndex] === v.alt && alts.length === v.altCount,
    `line ${v.line} does not hold ${v.chrom}:${v.pos} ${v.ref}>${v.alt}`);
}

function checkSummary(v, s) {
  const text = (x) => x === null || (typeof x === "string" && x.length > 0);
  must(s.variantId === v.variantId && typeof s.description === "string" && s.description.startsWith("Variant at chromosome "), "summary description");
  must(text(s.gene) && text(s.consequence) && text(s.clinicalSignificance) && text(s.condition), `summary fields of ${v.variantId.slice(0, 80)}`);
  must(s.af === null || Number.isFinite(s.af), `summary af ${s.af}`);
  must(SOURCES.has(s.source) && typeof s.filter === "string", "summary source/filter");
}
