/** Character classes and word scanning of the local embedder (allocation-free, on char codes). */
import { lower } from "../../util/hash.js";

/**
 * Letters, digits and non-ASCII code units (accented names) make words; no-break space,
 * general punctuation (dashes, quotes) and CJK punctuation separate them.
 */
export function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return c !== 160 && !(c >= 0x2000 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f) && c !== 0xfeff;
}

/**
 * A free-text word that reads as a gene symbol: ASCII, starts with a letter, 2+ chars,
 * and has a digit (`brca1`, `TP53`) or is all capitals (`SHOX`); not `chr17` or `rs123`.
 */
export function isGeneLike(text: string, s: number, e: number, digits: number, lowers: number, ascii: boolean): boolean {
  const len = e - s;
  if (!ascii || len < 2 || len > 20) return false;
  const c0 = text.charCodeAt(s);
  if (c0 >= 48 && c0 <= 57) return false;
  if (digits === 0 && lowers > 0) return false;
  const l0 = lower(c0);
  const l1 = lower(text.charCodeAt(s + 1));
  if (l0 === 99 && l1 === 104 && len > 3 && lower(text.charCodeAt(s + 2)) === 114) return false; // chr…
  if (l0 === 114 && l1 === 115 && digits === len - 2) return false; // rs123
  return true;
}

export function wordEnd(text: string, from: number): number {
  const sp = text.indexOf(" ", from);
  return sp < 0 ? text.length : sp;
}

/** `text[start, end)` trimmed with whitespace runs as one space; returns `text` itself when already so. */
export function collapseSpace(text: string, start: number, end: number): string {
  let s = start;
  let e = Math.min(end, text.length);
  while (s < e && isSpace(text.charCodeAt(s))) s++;
  while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
  let clean = true;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c) && (c !== 32 || isSpace(text.charCodeAt(i + 1)))) {
      clean = false;
      break;
    }
  }
  if (clean) return s === 0 && e === text.length ? text : text.slice(s, e);
  return text.slice(s, e).replace(/\s+/g, " ");
}

export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}
