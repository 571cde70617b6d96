/**
 * Two-thread projection for bulk work (re-projecting a table, benchmarks): the calling
 * thread and one worker thread each run the SIMD kernel on half of every 2 × 512 rows,
 * over one shared WebAssembly memory that holds the packed components once.
 *
 * The streaming service's batches (25–50 vectors) stay on the synchronous
 * {@link Projector}: a worker round trip costs more than half of such a batch.
 */
import { Worker } from "node:worker_threads";
import type { PcaModel } from "./pca.js";
import { compileGemm, createMemory, instantiateCompiled, pagesFor, panelWidth, simdSupported, type GemmFn } from "./_gemm.js";
import { normalizeRows } from "./project-js.js";

const SHAPE = { elementBytes: 4, rowBlock: 4, vectors: 2 } as const;
const ROWS = 512; // rows per thread per round: ~25 ms of kernel time, far above a message round trip

// The worker only instantiates the kernel module it is sent and runs jobs on the shared
// memory; it is plain CommonJS so it needs no build step or file of its own.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const gemm = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports.gemm;
parentPort.on("message", (j) => {
  gemm(j[0], j[1], j[2], j[3], j[4], j[5], 0);
  parentPort.postMessage(0);
});
`;

/**
 * Projects like {@link Projector} (centred, re-normalized rows) on two threads.
 * Create with {@link ParallelProjector.create}; {@link close} it when done.
 *
 * @example
 * const p = ParallelProjector.create(model);
 * const reduced = p ? await p.project(flat, 50_000) : projectBatch(model, flat, 50_000);
 * await p?.close();
 */
export class ParallelProjector {
  /** The model this projector applies. */
  readonly model: PcaModel;
  readonly #heap: Float32Array;
  readonly #gemm: GemmFn;
  readonly #worker: Worker;
  readonly #kPad: number;
  readonly #a: [number, number]; // byte offsets of each thread's input scratch
  readonly #c: [number, number]; // byte offsets of each thread's output scratch
  #waiting: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  #failed: unknown;
  #busy = false;

  /** A two-thread projector, or undefined where WebAssembly SIMD or shared memory is unavailable. */
  static create(model: PcaModel): ParallelProjector | undefined {
    if (!simdSupported() || typeof SharedArrayBuffer !== "function") return undefined;
    return new ParallelProjector(model);
  }

  private constructor(model: PcaModel) {
    this.model = model;
    const d = model.inputDimensions;
    const k = model.outputDimensions;
    const pw = panelWidth(SHAPE);
    this.#kPad = Math.ceil(k / pw) * pw;
    const wBytes = d * this.#kPad * 4;
    const aBytes = ROWS * d * 4;
    const cBytes = ROWS * this.#kPad * 4;
    this.#a = [wBytes, wBytes + aBytes];
    this.#c = [wBytes + 2 * aBytes, wBytes + 2 * aBytes + cBytes];
    const pages = pagesFor(wBytes + 2 * aBytes + 2 * cBytes);
    const memory = createMemory(pages, true);
    const module = compileGemm({ ...SHAPE, lda: d, ldc: this.#kPad }, pages, true);
    this.#gemm = instantiateCompiled(module, memory);
    this.#heap = new Float32Array(memory.buffer);
    for (let c = 0; c < k; c++) {
      const panel = Math.floor(c / pw) * d * pw;
      for (let j = 0; j < d; j++) this.#heap[panel + j * pw + (c % pw)] = model.components[c * d + j]!;
    }
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory } });
    this.#worker.unref(); // an idle projector must not keep the process alive
    this.#worker.on("message", () => {
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.resolve();
    });
    this.#worker.on("error", (err) => {
      this.#failed = err;
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.reject(err);
    });
  }

  /**
   * Projects `n` row-major vectors of `input` into `out` (`n × outputDimensions`, allocated
   * when absent). One call at a time per projector.
   */
  async project(input: Float32Array, n: number, out?: Float32Array): Promise<Float32Array> {
    const { inputDimensions: d, outputDimensions: k } = this.model;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`projection: n must be a non-negative integer, got ${n}`);
    if (input.length < n * d) throw new RangeError(`projection: ${n} vectors of width ${d} need ${n * d} values, input has ${input.length}`);
    if (out !== undefined && out.length < n * k) throw new RangeError(`projection: output needs ${n * k} values, has ${out.length}`);
    if (this.#busy) throw new Error("ParallelProjector.project: a projection is already running on this projector");
    if (this.#failed !== undefined) throw this.#failed;
    const result = out ?? new Float32Array(n * k);
    this.#busy = true;
    this.#worker.ref(); // keep the process alive while the worker owes an answer
    try {
      for (let r0 = 0; r0 < n; r0 += 2 * ROWS) {
        const rows = Math.min(2 * ROWS, n - r0);
        const mine = Math.min(rows, Math.ceil(rows / 2 / SHAPE.rowBlock) * SHAPE.rowBlock);
        const theirs = rows - mine;
        let done: Promise<void> | undefined;
        if (theirs > 0) {
          this.#centre(input, r0 + mine, theirs, this.#a[1]);
          done = new Promise<void>((resolve, reject) => {
            this.#waiting = { resolve, reject };
          });
          this.#worker.postMessage([this.#a[1], 0, this.#c[1], d, Math.ceil(theirs / SHAPE.rowBlock), this.#kPad / panelWidth(SHAPE)]);
        }
        this.#centre(input, r0, mine, this.#a[0]);
        this.#gemm(this.#a[0], 0, this.#c[0], d, Math.ceil(mine / SHAPE.rowBlock), this.#kPad / panelWidth(SHAPE), 0);
        this.#collect(this.#c[0], mine, result, r0);
        if (done !== undefined) {
          await done;
          this.#collect(this.#c[1], theirs, result, r0 + mine);
        }
      }
    } finally {
      this.#worker.unref();
      this.#busy = false;
    }
    normalizeRows(result.subarray(0, n * k), n, k);
    return result;
  }

  /** Stops the worker thread. */
  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  /** Centres `rows` input rows from `first` into the scratch at byte offset `at`, zero-padding the last row block. */
  #centre(input: Float32Array, first: number, rows: number, at: number): void {
    const d = this.model.inputDimensions;
    const mean = this.model.mean;
    const heap = this.#heap;
    const base = at >> 2;
    for (let r = 0; r < rows; r++) {
      const src = (first + r) * d;
      const dst = base + r * d;
      for (let j = 0; j < d; j++) heap[dst + j] = input[src + j]! - mean[j]!;
    }
    heap.fill(0, base + rows * d, base + Math.ceil(rows / SHAPE.rowBlock) * SHAPE.rowBlock * d);
  }

  #collect(at: number, rows: number, result: Float32Array, first: number): void {
    const k = this.model.outputDimensions;
    const kPad = this.#kPad;
    const base = at >> 2;
    for (let r = 0; r < rows; r++) result.set(this.#heap.subarray(base + r * kPad, base + r * kPad + k), (first + r) * k);
  }
}
