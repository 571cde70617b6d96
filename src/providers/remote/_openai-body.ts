/**
 * Parses an OpenAI embeddings response body without running JSON.parse over megabytes
 * of base64. Internal: not exported from the package.
 *
 * Why: for a 256 × 1536-d response (2.1 MB) decoding the body to a string and parsing it
 * took ~7 ms of client CPU here, the cut-and-verify path below ~1.3 ms
 * (docs/providers.md). The result is always what JSON.parse would give.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const KEY = Buffer.from('"embedding"');

function skipSpace(buf: Buffer, p: number): number {
  let i = p;
  for (let c = buf[i]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = buf[++i]);
  return i;
}

// Stands in for the i-th cut string; the NUL escape makes it impossible in base64 data.
const marker = (i: number): string => `\u0000${i}`;

/**
 * JSON.parse of `buf`, where every `"embedding": "<base64>"` value is cut out before the
 * parse and put back after it. Sound because the cut is verified: the body must contain no
 * backslash (so every quote delimits a string), and after the parse the i-th cut must be
 * exactly `data[i].embedding` for every item and nowhere else. Otherwise, and for float
 * arrays, the body is parsed whole. Throws SyntaxError for invalid JSON, as JSON.parse does.
 *
 * `decode`, when given, turns each cut string into the value put back (the OpenAI provider
 * decodes the floats there), so no string of the body outlives its own decoding: holding
 * all 256 strings of a response (2.1 MB) at once made every young-generation collection
 * that caught them copy them. Bodies parsed whole get their strings, not decoded values.
 */
export function parseEmbeddingsBody(buf: Buffer, decode: (b64: string) => unknown = (b64) => b64): unknown {
  if (buf.indexOf(BACKSLASH) !== -1) return JSON.parse(buf.toString("utf8"));
  const parts: string[] = [];
  const cuts: Array<[number, number]> = [];
  let search = 0;
  let copied = 0;
  for (;;) {
    const k = buf.indexOf(KEY, search);
    if (k === -1) break;
    let p = skipSpace(buf, k + KEY.length);
    search = p;
    if (buf[p] !== COLON) continue; // a value "embedding" (e.g. "object": "embedding"), not the key
    p = skipSpace(buf, p + 1);
    if (buf[p] !== QUOTE) continue; // a float array: left to JSON.parse
    const end = buf.indexOf(QUOTE, p + 1);
    if (end === -1) break; // unterminated: JSON.parse will say so
    // Cutting at ASCII quotes never splits a UTF-8 sequence, so the kept parts decode exactly.
    parts.push(buf.toString("utf8", copied, p), JSON.stringify(marker(cuts.length)));
    cuts.push([p + 1, end]);
    search = copied = end + 1;
  }
  parts.push(buf.toString("utf8", copied));
  const body: unknown = JSON.parse(parts.join(""));
  if (cuts.length === 0) return body;
  const data = (body as { data?: unknown } | null)?.data;
  const fits =
    Array.isArray(data) &&
    data.length === cuts.length &&
    data.every((item, i) => (item as { embedding?: unknown } | null)?.embedding === marker(i));
  if (!fits) return JSON.parse(buf.toString("utf8"));
  data.forEach((item: { embedding: unknown }, i) => {
    const [a, b] = cuts[i] as [number, number];
    item.embedding = decode(buf.toString("latin1", a, b));
  });
  return body;
}
