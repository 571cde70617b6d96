/**
 * The JSON body parser of every JSON route: fastify's own (secure-json-parse, which refuses
 * `__proto__` keys and `constructor.prototype` so a body can never reach an object's
 * prototype), with one change: such a refusal says which key was refused and where,
 * instead of fastify's "Body is not valid JSON" — the JSON was valid. Internal to the server.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "./_errors.js";

type Done = (err: Error | null, body?: unknown) => void;
/** What `addContentTypeParser(…, { parseAs: "string" }, parser)` takes. */
export type JsonBodyParser = (request: FastifyRequest, body: string, done: Done) => void;

/**
 * fastify's default JSON parser (prototype keys refused) whose refusals name the key and
 * its place, e.g. `body/filters/0: key "__proto__" is not allowed …`; every other outcome,
 * including every error for malformed or empty JSON, is fastify's unchanged.
 */
export function jsonBodyParser(app: FastifyInstance): JsonBodyParser {
  const secure = app.getDefaultJsonParser("error", "error") as unknown as JsonBodyParser;
  return (request, body, done) => {
    secure(request, body, (err, parsed) => {
      if (err === null) return done(null, parsed);
      if ((err as { code?: string }).code !== "FST_ERR_CTP_INVALID_JSON_BODY") return done(err);
      let plain: unknown;
      try {
        plain = JSON.parse(body);
      } catch {
        return done(err); // really malformed: fastify's message stands
      }
      const refused = forbiddenKey(plain);
      done(refused === null ? err : new HttpError(400, refusal(refused)));
    });
  };
}

interface Refused {
  /** Where the key is, as a JSON pointer below the body (`""` for the top level). */
  readonly at: string;
  readonly key: "__proto__" | "constructor";
}

function refusal({ at, key }: Refused): string {
  const what = key === "__proto__" ? 'key "__proto__"' : 'key "constructor" holding a "prototype"';
  return `body${at}: ${what} is not allowed (refused so that a request cannot reach an object's prototype)`;
}

interface Visit {
  readonly value: unknown;
  readonly at: string;
}

/**
 * The first key secure-json-parse refuses, with its place: an own `__proto__`, or an own
 * `constructor` that is an object with an own `prototype`. Iterative, so a deeply nested
 * body cannot overflow the stack.
 */
function forbiddenKey(root: unknown): Refused | null {
  const stack: Visit[] = [{ value: root, at: "" }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const node = visit.value;
    if (node === null || typeof node !== "object") continue;
    if (Object.prototype.hasOwnProperty.call(node, "__proto__")) return { at: visit.at, key: "__proto__" };
    const ctor: unknown = Object.prototype.hasOwnProperty.call(node, "constructor") ? (node as Record<string, unknown>).constructor : undefined;
    if (ctor !== null && typeof ctor === "object" && Object.prototype.hasOwnProperty.call(ctor, "prototype")) {
      return { at: visit.at, key: "constructor" };
    }
    // Pushed in reverse so that the first key in the body is the first reported.
    const keys = Object.keys(node);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      stack.push({ value: (node as Record<string, unknown>)[key], at: `${visit.at}/${pointerSegment(key)}` });
    }
  }
  return null;
}

/** A key as a JSON-pointer segment (RFC 6901), as the schema errors' `body/filters/0`. */
const pointerSegment = (key: string): string => key.replaceAll("~", "~0").replaceAll("/", "~1");
