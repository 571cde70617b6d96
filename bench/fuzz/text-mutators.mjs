// Mutators that work on the decompressed text of a seed (an array of line Buffers) and
// return new text; the case builder then wraps the text in plain, gzip or BGZF bytes.
import { seedLines } from "./seeds.mjs";
import { randomInfo, randomAnnotationHeader } from "./info-gen.mjs";

const NL = Buffer.from("\n");
const TAB = 0x09;

/** Joins lines with `\n`, ending with a newline unless `final` is false. */
export function joinLines(lines, final = true) {
  const parts = [];
  for (const l of lines) parts.push(l, NL);
  if (!final && parts.length > 0) parts.pop();
  return Buffer.concat(parts);
}

/** Header + body lines of a seed as a fresh array (mutators edit the array, never the seed). */
function allLines(seed) {
  const { header, body } = seedLines(seed);
  return [...header, ...body];
}

/** Index of a data line (after `#CHROM`) or, when there is none, any line; -1 for an empty text. */
function dataLineIndex(rng, seed, lines) {
  const h = seedLines(seed).header.length;
  if (lines.length > h) return h + rng.int(lines.length - h);
  return lines.length === 0 ? -1 : rng.int(lines.length);
}

/** A plausible data line for seeds that have none, so record mutators always have a target. */
const FALLBACK_RECORD = Buffer.from("1\t100\trs1\tA\tG,T\t50\tPASS\tAF=0.1,0.2;DP=10\tGT:DP\t0/1:5");

function dataLines(rng, seed) {
  const lines = allLines(seed);
  if (seedLines(seed).body.length === 0) lines.push(FALLBACK_RECORD);
  return lines;
}

function splitTabs(line) {
  return line.toString("latin1").split("\t");
}

function fromTabs(cols) {
  return Buffer.from(cols.join("\t"), "latin1");
}

const SPECIAL_BYTES = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x23, 0x2c, 0x3b, 0x3d, 0x2e, 0x25, 0x3c, 0x3e, 0x22, 0x5c, 0x5b, 0x5d, 0x2a, 0x80, 0xc3, 0xff];

/** Flips 1–64 bytes: a random bit, a random byte, or a byte that means something in VCF. */
export function byteFlip(rng, seed) {
  const out = Buffer.from(seed.text);
  if (out.length === 0) return { text: Buffer.from([rng.int(256)]), note: "empty seed: one random byte" };
  const n = rng.chance(0.8) ? rng.range(1, 8) : rng.range(9, 64);
  for (let i = 0; i < n; i++) {
    const at = rng.int(out.length);
    const how = rng.int(3);
    out[at] = how === 0 ? out[at] ^ (1 << rng.int(8)) : how === 1 ? rng.int(256) : rng.pick(SPECIAL_BYTES);
  }
  return { text: out, note: `${n} byte(s) changed` };
}

/** Cuts the text at a random offset: anywhere, inside the header, or inside the last lines. */
export function truncate(rng, seed) {
  const t = seed.text;
  if (t.length === 0) return { text: t, note: "empty seed" };
  const headerBytes = seedLines(seed).header.reduce((n, l) => n + l.length + 1, 0);
  const where = rng.int(3);
  const at = where === 0 ? rng.int(t.length) : where === 1 ? rng.int(Math.max(1, Math.min(headerBytes, t.length))) : Math.max(0, t.length - 1 - rng.int(Math.min(t.length, 400)));
  return { text: t.subarray(0, at), note: `cut at byte ${at} of ${t.length}` };
}

/** Swaps lines, shuffles the body, or moves a header line among the records and back. */
export function lineShuffle(rng, seed) {
  const lines = allLines(seed);
  if (lines.length < 2) return { text: joinLines(lines), note: "fewer than 2 lines" };
  const h = seedLines(seed).header.length;
  const op = rng.int(3);
  if (op === 0) {
    const k = rng.range(1, 4);
    for (let i = 0; i < k; i++) {
      const a = rng.int(lines.length);
      const b = rng.int(lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
    }
    return { text: joinLines(lines), note: `${k} swap(s)` };
  }
  if (op === 1 && lines.length > h + 1) {
    const body = lines.slice(h);
    for (let i = body.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [body[i], body[j]] = [body[j], body[i]];
    }
    return { text: joinLines([...lines.slice(0, h), ...body]), note: "body shuffled" };
  }
  const from = rng.int(lines.length);
  const [moved] = lines.splice(from, 1);
  const to = rng.int(lines.length + 1);
  lines.splice(to, 0, moved);
  return { text: joinLines(lines), note: `line ${from + 1} moved to ${to + 1}` };
}

/** Repeats random lines (a header line, the #CHROM line or a record) up to 2,000 times. */
export function lineDuplicate(rng, seed) {
  const lines = allLines(seed);
  if (lines.length === 0) return { text: Buffer.alloc(0), note: "empty seed" };
  const at = rng.chance(0.6) ? Math.max(0, dataLineIndex(rng, seed, lines)) : rng.int(lines.length);
  const times = rng.chance(0.7) ? rng.range(1, 5) : rng.logRange(6, 2000);
  const copies = new Array(times).fill(lines[at]);
  lines.splice(at, 0, ...copies);
  return { text: joinLines(lines), note: `line ${at + 1} repeated ${times} time(s)` };
}

/** Deletes random lines, sometimes exactly the #CHROM or ##fileformat line. */
export function lineDelete(rng, seed) {
  const lines = allLines(seed);
  if (lines.length === 0) return { text: Buffer.alloc(0), note: "empty seed" };
  const h = seedLines(seed).header.length;
  if (rng.chance(0.2) && h > 0) {
    const which = rng.chance(0.5) ? h - 1 : 0;
    lines.splice(which, 1);
    return { text: joinLines(lines), note: `line ${which + 1} (${which === 0 ? "first" : "#CHROM"}) deleted` };
  }
  const k = rng.range(1, Math.min(lines.length, 10));
  for (let i = 0; i < k; i++) lines.splice(rng.int(lines.length), 1);
  return { text: joinLines(lines), note: `${k} line(s) deleted` };
}

/** Replaces the INFO column of 1–20 records with generated INFO text (see info-gen.mjs). */
export function randomInfoMutator(rng, seed) {
  const lines = dataLines(rng, seed);
  const defs = seedLines(seed).infoDefs;
  const k = rng.range(1, 20);
  for (let i = 0; i < k; i++) {
    const at = dataLineIndex(rng, seed, lines);
    const cols = splitTabs(lines[at]);
    while (cols.length < 8) cols.push(".");
    const altCount = (cols[4] ?? "").split(",").length;
    cols[7] = randomInfo(rng, defs, altCount);
    lines[at] = Buffer.from(cols.join("\t"), "utf8");
  }
  if (rng.chance(0.3)) {
    // Declare annotation fields with odd layouts so annotationLayout() meets them too.
    const h = Math.max(0, seedLines(seed).header.length - 1);
    lines.splice(h, 0, Buffer.from(randomAnnotationHeader(rng), "utf8"));
  }
  return { text: joinLines(lines), note: `INFO of ${k} record(s) replaced` };
}

const INVALID_UTF8 = [
  [0x80], [0xbf], [0xc0, 0xaf], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff], [0xef, 0xbb, 0xbf], [0xc3, 0xa9], [0xf0, 0x9f, 0x98, 0x80], [0xe2, 0x80, 0xa8],
];

/** Inserts or overwrites with invalid (and some valid multi-byte) UTF-8, mostly right after a tab. */
export function invalidUtf8(rng, seed) {
  let out = Buffer.from(seed.text);
  const n = rng.range(1, 8);
  for (let i = 0; i < n; i++) {
    const seq = Buffer.from(rng.pick(INVALID_UTF8));
    let at = rng.int(out.length + 1);
    if (rng.chance(0.6) && out.length > 0) {
      const tab = out.indexOf(TAB, at);
      if (tab !== -1) at = tab + 1;
    }
    out = rng.chance(0.5)
      ? Buffer.concat([out.subarray(0, at), seq, out.subarray(at)])
      : Buffer.concat([out.subarray(0, at), seq, out.subarray(Math.min(out.length, at + seq.length))]);
  }
  return { text: out, note: `${n} UTF-8 sequence(s)` };
}

const HEADER_TOKENS = ["", ".", "A", "R", "G", "0", "1", "-1", "2147483648", "Integer", "Float", "Flag", "String", "Character", "Str", "\"", "<", ">", ",", "=", "[", "]", "é", "\\"];

/** Breaks meta lines (brackets, quotes, Number/Type/ID) or the #CHROM line, or misplaces header lines. */
export function headerDamage(rng, seed) {
  const lines = allLines(seed);
  const notes = [];
  const ops = rng.range(1, 3);
  for (let o = 0; o < ops; o++) {
    // Lines come and go with each operation: find the #CHROM line again every time.
    const chromAt = lines.findIndex((l) => l[0] === 0x23 && l[1] !== 0x23);
    const h = chromAt === -1 ? lines.length : chromAt + 1;
    const metaCount = Math.max(0, h - 1);
    const op = rng.int(9);
    if (op <= 3 && metaCount > 0) {
      const at = rng.int(metaCount);
      let s = lines[at].toString("latin1");
      if (op === 0) s = s.replace(/>\s*$/, "");
      else if (op === 1) s = s.replace("<", rng.pick(["", "<<", "< "]));
      else if (op === 2) {
        const i = rng.int(s.length + 1);
        s = s.slice(0, i) + rng.pick(["\"", "\\", ",", "=", "<", ">", "[", "]", " "]) + s.slice(i);
      } else {
        s = s.replace(rng.pick([/Number=[^,>]*/, /Type=[^,>]*/, /ID=[^,>]*/, /Description="[^"]*"/]), (m) => `${m.slice(0, m.indexOf("=") + 1)}${rng.pick(HEADER_TOKENS)}`);
      }
      lines[at] = Buffer.from(s, "latin1");
      notes.push(`meta line ${at + 1} edited`);
    } else if (op === 4 && h > 0) {
      const cols = splitTabs(lines[h - 1]);
      const how = rng.int(6);
      if (how === 0) cols[rng.int(Math.min(cols.length, 9))] = rng.pick(["", "chrom", "POSITION", "#CHROM ", "FORMAT"]);
      else if (how === 1) cols.splice(rng.int(cols.length), 1);
      else if (how === 2) cols.push("");
      else if (how === 3) cols.push(cols.length === 8 ? "FORMAT" : (cols[cols.length - 1] ?? "S"));
      else if (how === 4) lines[h - 1] = Buffer.from(cols.join(" "), "latin1");
      else cols.splice(8);
      if (how !== 4) lines[h - 1] = fromTabs(cols);
      notes.push(`#CHROM line edit ${how}`);
    } else if (op === 5) {
      const at = rng.int(Math.max(1, h));
      lines.splice(at, 0, Buffer.from(rng.pick(["", " ", "#", "##", "##=x", "1\t2\t.\tA\tC\t.\t.\t.", "##fileformat=VCFv4.3", "##fileformat=VCFv9", "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"again\">", "##contig=<ID=1,length=abc>", "##FILTER=<ID=,Description=\"\">", "##ALT=<ID=DEL>x", "##INFO=<>", "##INFO=<ID=Z,Number=1,Type=Float,Description=\"a \\\" b\",Extra=[1, 2]>"]), "latin1"));
      notes.push(`line inserted at ${at + 1}`);
    } else if (op === 6 && lines.length > 0) {
      lines[0] = Buffer.concat([Buffer.from(rng.pick([[0xef, 0xbb, 0xbf], [0x20], [0x09], [0xfe, 0xff]])), lines[0]]);
      notes.push("prefix on line 1");
    } else if (op === 7 && metaCount > 0) {
      const at = rng.int(metaCount);
      lines.splice(rng.int(metaCount + 1), 0, lines[at]);
      notes.push(`meta line ${at + 1} duplicated`);
    } else if (metaCount > 0) {
      lines.splice(rng.int(metaCount), 1);
      notes.push("meta line deleted");
    }
  }
  return { text: joinLines(lines), note: notes.join(", ") || "no header" };
}

const FIELD_TOKENS = [
  "", ".", "0", "-1", "1", "00012", "2147483647", "2147483648", "4294967296", "9007199254740991", "9007199254740992",
  "99999999999999999999999", "1e5", "0x10", "+5", " 5", "5 ", "A", "N", "a", "acgtn", "<DEL>", "<*>", "<NON_REF>", "*",
  ".A", "A.", "G]17:198982]", "]13:123456]T", "[", "]", "<", ">", "A,C", ",", ",,", "A,", ",A", "A,,C", "A, C", " ", "\r",
  "%", "%3B", "é", "\u{1F600}", "PASS", "PASS;q10", ";", "=", "chr1", "X", "MT", "1e400", "-1e400", "nan", "inf",
  "GT", "GT:GT", "::", "0|1", "./.", "A".repeat(300), "ACGT".repeat(250),
];

/** Edits one column of 1–6 records: interesting tokens, deleted, doubled or extra columns, many ALTs. */
export function fieldEdit(rng, seed) {
  const lines = dataLines(rng, seed);
  const k = rng.range(1, 6);
  const notes = [];
  for (let i = 0; i < k; i++) {
    const at = dataLineIndex(rng, seed, lines);
    const cols = splitTabs(lines[at]);
    const c = rng.int(Math.min(cols.length + 1, 12));
    const op = rng.int(10);
    if (op < 6) cols[c] = rng.pick(FIELD_TOKENS);
    else if (op === 6) cols.splice(c, 1);
    else if (op === 7) cols.splice(c, 0, rng.pick(FIELD_TOKENS));
    else if (op === 8) cols[4] = Array.from({ length: rng.logRange(2, 300) }, () => rng.text(rng.range(1, 3), "ACGTN*")).join(",");
    else cols[1] = rng.text(rng.range(1, 30), "0123456789");
    lines[at] = Buffer.from(cols.join("\t"), "utf8");
    notes.push(`line ${at + 1} col ${c + 1} op ${op}`);
  }
  return { text: joinLines(lines), note: notes.join(", ") };
}

/** CRLF, CR-only, mixed endings, missing or extra final newlines, blank lines, NUL and control bytes. */
export function lineEndings(rng, seed) {
  const lines = allLines(seed);
  const op = rng.int(7);
  if (op === 0) return { text: Buffer.concat(lines.flatMap((l) => [l, Buffer.from("\r\n")])), note: "CRLF" };
  if (op === 1) return { text: Buffer.concat(lines.flatMap((l) => [l, Buffer.from("\r")])), note: "CR only" };
  if (op === 2) return { text: Buffer.concat(lines.flatMap((l) => [l, Buffer.from(rng.chance(0.5) ? "\r\n" : "\n")])), note: "mixed CRLF/LF" };
  if (op === 3) return { text: joinLines(lines, false), note: "no final newline" };
  if (op === 4) {
    for (let i = 0; i < rng.range(1, 5); i++) lines.splice(rng.int(lines.length + 1), 0, Buffer.from(rng.pick(["", "\r", " ", "\t", "\t\t\t\t\t\t\t"])));
    return { text: joinLines(lines), note: "blank lines inserted" };
  }
  const out = Buffer.from(seed.text);
  const n = rng.range(1, 3);
  let text = out;
  for (let i = 0; i < n; i++) {
    const at = rng.int(text.length + 1);
    const b = op === 5 ? 0x00 : rng.pick([0x0b, 0x0c, 0x1b, 0x7f, 0x01]);
    text = Buffer.concat([text.subarray(0, at), Buffer.from([b]), text.subarray(at)]);
  }
  return { text, note: op === 5 ? `${n} NUL byte(s)` : `${n} control byte(s)` };
}

/** Header of one seed with the body of another, two seeds end to end, or another seed's lines mixed in. */
export function splice(rng, seed, seeds) {
  const other = rng.pick(seeds);
  const a = seedLines(seed);
  const b = seedLines(other);
  const op = rng.int(3);
  if (op === 0) return { text: joinLines([...a.header, ...b.body]), note: `body of ${other.name}` };
  if (op === 1) return { text: Buffer.concat([seed.text, other.text]), note: `followed by ${other.name}` };
  const lines = allLines(seed);
  const src = [...b.header, ...b.body];
  for (let i = 0; i < rng.range(1, 10) && src.length > 0; i++) lines.splice(rng.int(lines.length + 1), 0, rng.pick(src));
  return { text: joinLines(lines), note: `lines of ${other.name} mixed in` };
}

/** The text mutators by name (each `(rng, seed, seeds) → { text, note }`). */
export const TEXT_MUTATORS = {
  "byte-flip": byteFlip,
  truncate,
  "line-shuffle": lineShuffle,
  "line-duplicate": lineDuplicate,
  "line-delete": lineDelete,
  "random-info": randomInfoMutator,
  "invalid-utf8": invalidUtf8,
  "header-damage": headerDamage,
  "field-edit": fieldEdit,
  "line-endings": lineEndings,
  splice,
};
