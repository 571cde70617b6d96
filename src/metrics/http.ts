/**
 * A minimal HTTP endpoint for {@link VcfAgentMetrics} outside the service, e.g. during
 * a CLI ingest (`vcf-agent ingest --metrics-port 9464`). Only `GET /metrics` answers.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { VcfAgentError } from "../errors.js";
import type { VcfAgentMetrics } from "./prometheus.js";

/** A running metrics endpoint. */
export interface MetricsEndpoint {
  /** The bound port (useful with port 0). */
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `metrics` at `http://host:port/metrics` (host 127.0.0.1 by default).
 * @throws VcfAgentError "USAGE" naming the port when it cannot be bound.
 */
export async function serveMetrics(metrics: VcfAgentMetrics, options: { port: number; host?: string }): Promise<MetricsEndpoint> {
  const host = options.host ?? "127.0.0.1";
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("only GET /metrics is served here\n");
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`cannot collect metrics: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new VcfAgentError(`option --metrics-port: cannot listen on ${host}:${options.port}: ${e.code ?? e.message}`, "USAGE", { cause: e })),
    );
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
