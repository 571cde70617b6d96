import { VcfAgentError } from "../errors.js";

/** Exit statuses by error family: 1 for bad input or usage, 2 for configuration, 3 for providers/stores/queues. */
const EXIT: Record<string, number> = { VCF_FORMAT: 1, VCF_IO: 1, VCF_REGION: 1, USAGE: 1, CONFIG: 2, PROVIDER: 3, STORE: 3, QUEUE: 3, PCA: 3, CACHE: 3 };

/** System error codes of storage faults, reported like store failures (exit 3). */
const STORAGE_FAULTS = new Set(["ENOSPC", "EDQUOT", "EFBIG", "EROFS", "EACCES", "EPERM", "EIO"]);

/**
 * Runs a command action: user errors become one line `vcf-agent: <message>` and a
 * non-zero exit, with no stack trace (set VCF_AGENT_DEBUG=1 to see one).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}

/** Prints an error the way the CLI does and returns the exit status. */
export function reportError(err: unknown): number {
  if (err instanceof VcfAgentError) {
    process.stderr.write(`vcf-agent: ${err.message}\n`);
    if (process.env.VCF_AGENT_DEBUG) process.stderr.write(`${err.stack ?? ""}\n`);
    return EXIT[err.code] ?? 1;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === "object" && e.code === "EPIPE") return 0;
  if (e && typeof e === "object" && typeof e.code === "string" && STORAGE_FAULTS.has(e.code)) {
    // Disk full, read-only or forbidden: the user's to fix, not an internal error.
    const where = e.path !== undefined && !e.message.includes(e.path) ? ` (${e.path})` : "";
    process.stderr.write(`vcf-agent: ${e.message}${where}\n`);
    if (process.env.VCF_AGENT_DEBUG) process.stderr.write(`${e.stack ?? ""}\n`);
    return 3;
  }
  process.stderr.write(`vcf-agent: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.VCF_AGENT_DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
  return 70;
}

/** Writes to stdout, waiting when the pipe is full (so `| head` and slow consumers work). */
export async function write(text: string | Uint8Array): Promise<void> {
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        process.stdout.off("error", onError);
        resolve();
      };
      const onError = (e: Error): void => {
        process.stdout.off("drain", onDrain);
        reject(e);
      };
      process.stdout.once("drain", onDrain);
      process.stdout.once("error", onError);
    });
  }
}

/** Parses a positive integer flag, naming the flag when it is not one. */
export function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new VcfAgentError(`option ${name}: expected a positive integer, got '${value}'`, "USAGE");
  return n;
}
