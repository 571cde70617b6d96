/**
 * The exact rerank of the search tier's candidates, and a thread that runs it beside the
 * caller's. The candidates' vectors are read from the tier's vector file one by one; a
 * candidate whose bound (estimate plus error) cannot reach the k-th exact inner product so far
 * is not read.
 *
 * Why a thread: under load (`vcf-agent serve`, 50 connections) every search ran on the event
 * loop, ~1 ms of each in these reads and dot products. On the thread, the event loop scans the
 * next request's codes while the thread reranks the last one. {@link rerank} is self-contained
 * so that the thread runs the very same function (its source is the worker's). Internal: not
 * exported from the package.
 */
import { readSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { DOT_CAPACITY, dotKernel, dotModule, localDotKernel, type DotKernel } from "../../reduce/dot-kernel.js";

/** What one rerank is given: candidates best estimate first. */
export interface RerankJob {
  /** The query (dims floats) and its length. */
  readonly q: Float32Array;
  readonly qn: number;
  /** Rows of the candidates, and for each the most its exact inner product can be (∞: unknown). */
  readonly rows: Int32Array;
  readonly bounds: Float64Array;
  readonly k: number;
}

/** The k best rows by exact cosine distance, nearest first (ties by row). */
export interface Reranked {
  readonly rows: Int32Array;
  readonly distances: Float64Array;
}

/**
 * Reranks `job` against the vectors at `fd` (row-major float32, `d` a row). Self-contained
 * (no closure, no import): the worker evaluates its source.
 */
export function rerank(
  read: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) => number,
  fd: number,
  d: number,
  job: RerankJob,
  kernel: DotKernel | null,
): Reranked {
  const { q, qn, rows, bounds, k } = job;
  // With the kernel, vectors are read straight into its memory and the query copied there once.
  const simd = kernel !== null && d % 4 === 0 && d <= kernel.capacity;
  if (simd) kernel.q.set(q.subarray(0, d));
  const vec = simd ? kernel.v : new Float32Array(d);
  const bytes = new Uint8Array(vec.buffer, vec.byteOffset, d * 4);
  // The k best exact inner products so far, as a sorted array (k is small); best[k - 1] the k-th.
  const best: number[] = [];
  const readRows: number[] = [];
  const readDist: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (best.length === k && bounds[i]! < best[k - 1]!) continue;
    const row = rows[i]!;
    read(fd, bytes, 0, d * 4, row * d * 4);
    // ⟨v, q⟩ and |v|², four accumulators each (0.41 → 0.29 ms for 384 rows of 768), summed in
    // the same order by the kernel and here, so both give the same doubles.
    let d0 = 0, d1 = 0, d2 = 0, d3 = 0, n0 = 0, n1 = 0, n2 = 0, n3 = 0;
    let j = 0;
    if (simd) {
      kernel.run(d);
      d0 = kernel.out[0]!;
      n0 = kernel.out[1]!;
      j = d;
    }
    for (; j + 4 <= d; j += 4) {
      const x0 = vec[j]!, x1 = vec[j + 1]!, x2 = vec[j + 2]!, x3 = vec[j + 3]!;
      d0 += x0 * q[j]!;
      d1 += x1 * q[j + 1]!;
      d2 += x2 * q[j + 2]!;
      d3 += x3 * q[j + 3]!;
      n0 += x0 * x0;
      n1 += x1 * x1;
      n2 += x2 * x2;
      n3 += x3 * x3;
    }
    for (; j < d; j++) {
      d0 += vec[j]! * q[j]!;
      n0 += vec[j]! * vec[j]!;
    }
    const denom = qn * Math.sqrt(n0 + n1 + n2 + n3);
    const cos = denom === 0 ? 0 : (d0 + d1 + d2 + d3) / denom;
    const ip = cos * qn;
    if (best.length < k || ip > best[k - 1]!) {
      let at = best.length < k ? best.length : k - 1;
      while (at > 0 && best[at - 1]! < ip) {
        best[at] = best[at - 1]!;
        at--;
      }
      best[at] = ip;
    }
    readRows.push(row);
    readDist.push(denom === 0 ? 1 : 1 - cos);
  }
  const order = readRows.map((_, i) => i);
  order.sort((a, b) => readDist[a]! - readDist[b]! || readRows[a]! - readRows[b]!);
  const m = Math.min(k, order.length);
  const outRows = new Int32Array(m);
  const outDist = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    outRows[i] = readRows[order[i]!]!;
    outDist[i] = readDist[order[i]!]!;
  }
  return { rows: outRows, distances: outDist };
}

let hereKernel: DotKernel | null | undefined;

/** {@link rerank} against the tier's vector file, here. */
export function rerankHere(fd: number, d: number, job: RerankJob): Reranked {
  if (hereKernel === undefined) hereKernel = localDotKernel();
  return rerank(readSync, fd, d, job, hereKernel);
}

// Plain CommonJS evaluated in the worker: it needs no build step or file of its own.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { readSync } = require("node:fs");
const rerank = (${rerank.toString()});
const dotKernel = (${dotKernel.toString()});
const kernel = workerData.module === null ? null : dotKernel(workerData.module, WebAssembly, workerData.capacity);
parentPort.on("message", (m) => {
  try {
    const r = rerank(readSync, workerData.fd, workerData.dims, m.job, kernel);
    parentPort.postMessage({ id: m.id, rows: r.rows, distances: r.distances }, [r.rows.buffer, r.distances.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.stack || e) });
  }
});
`;

/**
 * A thread that reranks against one vector file. Jobs run in the order given. The file's
 * descriptor belongs to the caller, who must not close it before {@link close} resolves.
 */
export class RerankThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (r: Reranked) => void; reject: (e: unknown) => void }>();
  #next = 0;
  #failed: unknown;

  constructor(fd: number, dims: number) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd, dims, module: dotModule(), capacity: DOT_CAPACITY } });
    this.#worker.unref(); // an idle thread must not keep the process alive
    this.#worker.on("message", (m: { id: number; rows?: Int32Array; distances?: Float64Array; error?: string }) => {
      const w = this.#waiting.get(m.id);
      this.#waiting.delete(m.id);
      if (this.#waiting.size === 0) this.#worker.unref();
      if (w === undefined) return;
      if (m.error !== undefined) w.reject(new Error(`search tier rerank thread: ${m.error}`));
      else w.resolve({ rows: m.rows!, distances: m.distances! });
    });
    const fail = (err: unknown): void => {
      this.#failed ??= err;
      for (const w of this.#waiting.values()) w.reject(err);
      this.#waiting.clear();
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(new Error(`search tier rerank thread exited (code ${code})`)));
  }

  /** False once the thread failed or exited: rerank here instead. */
  get usable(): boolean {
    return this.#failed === undefined;
  }

  run(job: RerankJob): Promise<Reranked> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise<Reranked>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.ref(); // keep the process alive while the thread owes an answer
      // The query is copied (it may be a view of the caller's buffer); the candidates' arrays
      // are fresh per query: moved, not copied.
      const q = Float32Array.from(job.q);
      this.#worker.postMessage({ id, job: { ...job, q } }, [q.buffer, job.rows.buffer as ArrayBuffer, job.bounds.buffer as ArrayBuffer]);
    });
  }

  /** Ends the thread once the jobs given have been answered. */
  async close(): Promise<void> {
    const pending = [...this.#waiting.values()].map((w) => new Promise<void>((done) => {
      const { resolve, reject } = w;
      w.resolve = (r) => (resolve(r), done());
      w.reject = (e) => (reject(e), done());
    }));
    await Promise.all(pending);
    this.#failed ??= new Error("search tier rerank thread closed");
    await this.#worker.terminate();
  }
}
