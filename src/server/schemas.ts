/**
 * JSON schemas of the service's routes (validated by fastify's ajv; errors name the
 * field, e.g. `body/k must be <= 1000`). Limits live here so docs and tests read one place.
 */
import { FILTER_FIELDS } from "../store/index.js";

/** Request limits of the JSON routes. */
export const LIMITS = {
  /** Body size of every JSON request. */
  jsonBodyBytes: 1024 * 1024,
  /** Results per search. */
  maxK: 1000,
  /** Texts per embed request. */
  maxTexts: 256,
  /** Characters per query or text. */
  maxTextLength: 10_000,
  /** Filters per search. */
  maxFilters: 32,
  /** Default ingest body size (2 GiB); `--max-ingest-bytes` changes it. */
  ingestBodyBytes: 2 * 1024 ** 3,
} as const;

const FILTER_OPS = ["=", "!=", "<", "<=", ">", ">=", "in", "contains", "between"];

const filterValue = {
  anyOf: [{ type: "string" }, { type: "number" }, { type: "array", maxItems: 1000, items: { anyOf: [{ type: "string" }, { type: "number" }] } }],
};

/** One filter: the CLI form (`gene=BRCA1`) or a structured {field, op, value}. */
const filter = {
  anyOf: [
    { type: "string", minLength: 1, maxLength: 2000 },
    {
      type: "object",
      required: ["field", "op", "value"],
      additionalProperties: false,
      properties: { field: { type: "string", enum: [...FILTER_FIELDS] }, op: { type: "string", enum: FILTER_OPS }, value: filterValue },
    },
  ],
};

/** POST /v1/search */
export const searchSchema = {
  body: {
    type: "object",
    additionalProperties: false,
    properties: {
      text: { type: "string", minLength: 1, maxLength: LIMITS.maxTextLength },
      variantId: { type: "string", minLength: 1, maxLength: 1000 },
      k: { type: "integer", minimum: 1, maximum: LIMITS.maxK, default: 10 },
      filters: { type: "array", maxItems: LIMITS.maxFilters, items: filter, default: [] },
      nprobes: { type: "integer", minimum: 1, maximum: 100_000 },
      refineFactor: { type: "integer", minimum: 0, maximum: 1000 },
      exact: { type: "boolean" },
    },
  },
} as const;

/** POST /v1/embed */
export const embedSchema = {
  body: {
    type: "object",
    required: ["texts"],
    additionalProperties: false,
    properties: {
      texts: { type: "array", minItems: 1, maxItems: LIMITS.maxTexts, items: { type: "string", minLength: 1, maxLength: LIMITS.maxTextLength } },
    },
  },
} as const;

/** POST /v1/ingest: a VCF body (any content type but JSON), or JSON naming a server-local file. */
export const ingestSchema = {
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: {
      // Becomes the file name under the uploads directory, so: a plain file name.
      name: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$" },
      onInvalid: { type: "string", enum: ["error", "skip"] },
    },
  },
  body: {
    content: {
      "application/json": {
        schema: {
          type: "object",
          required: ["path"],
          additionalProperties: false,
          properties: { path: { type: "string", minLength: 1, maxLength: 4096 }, onInvalid: { type: "string", enum: ["error", "skip"] } },
        },
      },
    },
  },
} as const;

/** GET /v1/jobs/:id */
export const jobSchema = {
  params: { type: "object", required: ["id"], properties: { id: { type: "string", pattern: "^[0-9a-f-]{1,64}$" } } },
} as const;
