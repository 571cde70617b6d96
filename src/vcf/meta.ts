/**
 * Parser for the structured value of a meta line: `<ID=DP,Number=1,Description="a, \"b\"">`.
 * Key order is free; values may be quoted (with `\"` and `\\` escapes) or bracketed
 * lists (`Values=[a, b]` in `##META`).
 */

/** Parsed `<...>` value, or the reason it is malformed. */
export type StructuredValue =
  | { readonly ok: true; readonly fields: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses `text`, which must start with `<`.
 * @example parseStructured('<ID=DP,Number=1,Type=Integer,Description="Depth">').ok // true
 */
export function parseStructured(value: string): StructuredValue {
  // Trailing blanks after '>' occur in the wild (htslib test-vcf-hdr-in.vcf) and mean nothing.
  const text = value.trimEnd();
  const end = text.length - 1;
  if (text.charCodeAt(end) !== 62 /* > */) return fail("is not closed with '>'");
  const fields = new Map<string, string>();
  let i = 1;
  while (i < end) {
    while (i < end && text.charCodeAt(i) === 32) i++;
    const keyStart = i;
    while (i < end && text[i] !== "=" && text[i] !== ",") i++;
    const key = text.slice(keyStart, i).trim();
    if (text[i] !== "=") return fail(`item '${abbreviate(text.slice(keyStart, i))}' is not key=value`);
    if (key.length === 0) return fail("has an item with an empty key");
    i++;
    while (i < end && text.charCodeAt(i) === 32) i++;
    let v: string;
    const c = text[i];
    if (c === '"') {
      const r = readQuoted(text, i, end);
      if (r === undefined) return fail(`has an unterminated quoted value for ${key}`);
      v = r.value;
      i = r.next;
    } else if (c === "[") {
      const close = text.indexOf("]", i);
      if (close === -1 || close >= end) return fail(`has an unterminated [list] for ${key}`);
      v = text.slice(i, close + 1);
      i = close + 1;
    } else {
      const comma = text.indexOf(",", i);
      const stop = comma === -1 || comma > end ? end : comma;
      v = text.slice(i, stop).trim();
      i = stop;
    }
    while (i < end && text.charCodeAt(i) === 32) i++;
    if (i < end && text[i] !== ",") return fail(`has unexpected text after the value of ${key}: '${abbreviate(text.slice(i, end))}'`);
    if (!fields.has(key)) fields.set(key, v);
    if (i < end) i++;
  }
  return { ok: true, fields };
}

function readQuoted(text: string, open: number, end: number): { value: string; next: number } | undefined {
  let out = "";
  let from = open + 1;
  for (let i = from; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 92 /* \ */ && i + 1 < end) {
      out += text.slice(from, i) + text[i + 1];
      i++;
      from = i + 1;
    } else if (ch === 34 /* " */) {
      return { value: out + text.slice(from, i), next: i + 1 };
    }
  }
  return undefined;
}

function fail(reason: string): StructuredValue {
  return { ok: false, reason };
}

/** Shortens quoted input in messages so one bad line cannot flood a log. */
export function abbreviate(s: string, max = 60): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
