/**
 * Every error vcf-agent raises on purpose is a {@link VcfAgentError} with a stable
 * `code`. The CLI prints `vcf-agent: <message>` and exits non-zero without a stack.
 */

/** Stable error codes; the CLI maps them to exit statuses. */
/** Every error code, in one list (a worker process reports its error's code as text). */
export const ERROR_CODES = ["VCF_FORMAT", "VCF_IO", "VCF_REGION", "CONFIG", "PROVIDER", "CACHE", "PCA", "STORE", "QUEUE", "USAGE"] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** True when `code` is one of {@link ERROR_CODES}. */
export function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/** Base class of all deliberate vcf-agent errors. */
export class VcfAgentError extends Error {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "VcfAgentError";
    this.code = code;
  }
}

/**
 * A VCF input problem at a known place. `message` is `<file>:<line>: <reason>`
 * (line omitted when it is not known, e.g. a truncated gzip stream).
 */
export class VcfFormatError extends VcfAgentError {
  readonly file: string;
  readonly line: number | undefined;
  readonly reason: string;
  constructor(file: string, line: number | undefined, reason: string, options?: { cause?: unknown }) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`, "VCF_FORMAT", options);
    this.name = "VcfFormatError";
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** An invalid configuration option; `option` names it as the user wrote it. */
export class ConfigError extends VcfAgentError {
  readonly option: string;
  constructor(option: string, reason: string) {
    super(`invalid option ${option}: ${reason}`, "CONFIG");
    this.name = "ConfigError";
    this.option = option;
  }
}
