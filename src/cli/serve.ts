import type { Command } from "commander";
import { VcfAgentError } from "../errors.js";
import { buildServer } from "../server/app.js";
import { LIMITS } from "../server/schemas.js";
import { action, intFlag } from "./_run.js";
import { configOptions, readConsistencyOption, SERVING_READ_CONSISTENCY_SECONDS, sessionFromFlags, type ConfigFlags } from "./_config.js";

interface ServeFlags extends ConfigFlags {
  host: string;
  port: string;
  maxIngestBytes?: string;
  ingestDir?: string[];
  logLevel: string;
  searchConcurrency?: string;
  searchTier: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Parses a byte count with an optional binary unit: 512M, 2G, 1048576. */
function byteSize(option: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b?)?$/i.exec(text.trim());
  if (m === null) throw new VcfAgentError(`option ${option}: expected a size such as 512M or 2G, got '${text}'`, "USAGE");
  const unit = (m[2] ?? "").toLowerCase()[0] ?? "";
  const n = Math.floor(Number(m[1]) * 1024 ** " kmgt".indexOf(unit === "" ? " " : unit));
  if (!Number.isSafeInteger(n) || n < 1) throw new VcfAgentError(`option ${option}: expected a positive size, got '${text}'`, "USAGE");
  return n;
}

/** `vcf-agent serve`: the HTTP service, until SIGTERM/SIGINT (which stop it gracefully). */
export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("HTTP service: search, embed, ingest jobs, stats, Prometheus metrics and a live dashboard at /")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--port <port>", "port to listen on", "8080");
  readConsistencyOption(configOptions(command, { store: true, level: true, provider: true }))
    .option("--max-ingest-bytes <size>", "largest VCF body POST /v1/ingest accepts (e.g. 512M, 2G)", "2G")
    .option("--ingest-dir <dir>", "allow JSON {\"path\"} ingest of server-local files below this directory (repeatable)", collect)
    .option("--search-concurrency <n>", "searches run at once; more wait in arrival order (default 2 × CPU cores)")
    .option("--no-search-tier", "answer every search from LanceDB; by default an in-memory tier (~190 bytes a variant, vectors in a temp dir) is built in the background and answers once current")
    .option("--log-level <level>", "fatal, error, warn, info, debug or silent", "info")
    .addHelpText("after", "\nWith VCF_AGENT_API_KEY set, every route but /health and the dashboard page needs Authorization: Bearer <key>.")
    .action(
      action(async (flags: ServeFlags) => {
        const port = flags.port === "0" ? 0 : intFlag("--port", flags.port, 8080);
        if (port > 65535) throw new VcfAgentError(`option --port: expected 0-65535, got '${flags.port}'`, "USAGE");
        const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
        if (!levels.includes(flags.logLevel)) throw new VcfAgentError(`option --log-level: expected one of ${levels.join(", ")}, got '${flags.logLevel}'`, "USAGE");
        const maxIngestBytes = flags.maxIngestBytes === undefined ? LIMITS.ingestBodyBytes : byteSize("--max-ingest-bytes", flags.maxIngestBytes);
        const config = await sessionFromFlags(flags, { store: { readConsistencySeconds: SERVING_READ_CONSISTENCY_SECONDS } });
        const server = await buildServer({
          config,
          maxIngestBytes,
          ingestDirs: flags.ingestDir ?? [],
          ...(flags.searchConcurrency === undefined ? {} : { searchConcurrency: intFlag("--search-concurrency", flags.searchConcurrency, 1) }),
          logLevel: flags.logLevel,
          searchTier: flags.searchTier,
          ...(process.env.VCF_AGENT_API_KEY ? { apiKey: process.env.VCF_AGENT_API_KEY } : {}),
        });
        let stopping = false;
        const stop = (signal: string): void => {
          if (stopping) process.exit(130); // a second signal: leave now; committed rows and checkpoints stay
          stopping = true;
          process.stderr.write(`vcf-agent: ${signal}: stopping (the running ingest commits its batch first; send it again to leave at once)\n`);
          server.close().then(
            () => process.stderr.write("vcf-agent: stopped\n"),
            (err: unknown) => {
              process.stderr.write(`vcf-agent: error while stopping: ${(err as Error).message}\n`);
              process.exitCode = 1;
            },
          );
        };
        process.on("SIGTERM", () => stop("SIGTERM"));
        process.on("SIGINT", () => stop("SIGINT"));
        try {
          await server.app.listen({ host: flags.host, port });
        } catch (err) {
          await server.close();
          const e = err as NodeJS.ErrnoException;
          throw new VcfAgentError(`cannot listen on ${flags.host}:${port}: ${e.code ?? e.message}`, "USAGE", { cause: err });
        }
        const address = server.app.server.address();
        const bound = typeof address === "object" && address !== null ? address.port : port;
        const host = flags.host.includes(":") ? `[${flags.host}]` : flags.host;
        process.stderr.write(
          `vcf-agent: listening on http://${host}:${bound} (table ${config.store.table} in ${config.store.uri}` +
            `${process.env.VCF_AGENT_API_KEY ? ", API key required" : ""})\n`,
        );
      }),
    );
}
