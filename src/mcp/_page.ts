/**
 * Tool results under a token budget: a list is cut where the next item would push the
 * serialized result over the budget, and a cursor names where the next page starts.
 */
import { createHash } from "node:crypto";

/** Tokens a tool result may take, counted as 4 characters a token (what MCP clients can take without refusing it). */
export const TOKEN_BUDGET = 8_000;
/** Characters of the whole serialized result (text summary + structured content), with room for the JSON-RPC envelope. */
export const CHAR_BUDGET = TOKEN_BUDGET * 4 - 1_000;

/** What a cursor carries: where the next page starts, and what it belongs to. */
interface CursorState {
  /** Index of the first item of the next page. */
  readonly offset: number;
  /** Fingerprint of the call's arguments (cursor excluded). */
  readonly call: string;
  /** Table version the first page was read at. */
  readonly version: number | null;
}

/** Fingerprint of a call's arguments, so a cursor is only accepted for the call it came from. */
export function callFingerprint(tool: string, args: Record<string, unknown>): string {
  const { cursor: _cursor, ...rest } = args;
  return createHash("sha256").update(tool).update("\u0000").update(stableJson(rest)).digest("base64url").slice(0, 16);
}

/** Thrown for a cursor that is not one of ours or belongs to another call. */
export class CursorError extends Error {}

/** An opaque cursor for `state`. */
export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify([state.offset, state.call, state.version])).toString("base64url");
}

/** The state of `cursor` (undefined: the first page). @throws CursorError */
export function decodeCursor(cursor: string | undefined, call: string): CursorState | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new CursorError("cursor: not a cursor this server gave out (pass next_cursor from the previous result unchanged)");
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !Number.isSafeInteger(parsed[0]) || (parsed[0] as number) < 0 || typeof parsed[1] !== "string") {
    throw new CursorError("cursor: not a cursor this server gave out (pass next_cursor from the previous result unchanged)");
  }
  if (parsed[1] !== call) throw new CursorError("cursor: belongs to another call; repeat the same arguments with it, or leave it out for the first page");
  const version = typeof parsed[2] === "number" ? parsed[2] : null;
  return { offset: parsed[0] as number, call, version };
}

/** One page of `items` from `offset`: as many as fit the budget once `build` shapes the result, at least one. */
export function pageUnderBudget<T, R>(items: readonly T[], offset: number, build: (page: readonly T[], next: number | null) => R): { result: R; end: number } {
  const fits = (r: R) => JSON.stringify(r).length <= CHAR_BUDGET;
  // Grow the page while it fits; the size of each item is bounded, so this stays linear enough for k ≤ 200.
  let end = Math.min(items.length, offset + 1);
  let best = build(items.slice(offset, end), end < items.length ? end : null);
  while (end < items.length) {
    const next = end + 1;
    const candidate = build(items.slice(offset, next), next < items.length ? next : null);
    if (!fits(candidate)) break;
    best = candidate;
    end = next;
  }
  return { result: best, end };
}

/** JSON with object keys sorted, so equal arguments give equal fingerprints. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}
