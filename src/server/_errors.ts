/**
 * HTTP error mapping: a status with a message that names the field or input, and the
 * schema error text (`body/k must be <= 1000`). Internal to the server.
 */
import type { FastifySchemaValidationError } from "fastify";
import { VcfAgentError } from "../errors.js";

/** An error that carries its HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** HTTP status for a vcf-agent error: user mistakes 400, provider failures 502, the rest 500. */
export function statusOf(err: VcfAgentError): number {
  switch (err.code) {
    case "USAGE":
    case "VCF_FORMAT":
    case "VCF_REGION":
      return 400;
    case "PROVIDER":
      return 502;
    default:
      return 500;
  }
}

/**
 * Schema errors as one line naming each field, e.g. `body/k must be <= 1000`,
 * `body must NOT have additional property 'q'`. For an `anyOf` (a filter is a string or
 * an object) the branches' type complaints at the same place are folded into one message.
 */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const anyOfAt = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const parts: string[] = [];
  for (const e of errors) {
    const where = dataVar + (e.instancePath || "");
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "anyOf") parts.push(`${where} ${anyOfMessage(e.instancePath)}`);
    else if (anyOfAt.has(e.instancePath) && e.keyword === "type") continue;
    else if (e.keyword === "additionalProperties") parts.push(`${where} must NOT have additional property '${String(params.additionalProperty)}'`);
    else if (e.keyword === "enum") parts.push(`${where} ${e.message ?? "is invalid"}: ${(params.allowedValues as unknown[]).join(", ")}`);
    else parts.push(`${where} ${e.message ?? "is invalid"}`);
  }
  return new Error(parts.join(", "));
}

function anyOfMessage(path: string): string {
  if (/\/filters\/\d+$/.test(path)) return "must be a filter string (e.g. gene=BRCA1) or an object {field, op, value}";
  if (/\/value(\/\d+)?$/.test(path)) return "must be a string, a number or a list of them";
  return "does not match any allowed form";
}
