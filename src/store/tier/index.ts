/**
 * {@link SearchTier}: an in-memory search structure over one version of a variant table, for
 * interactive top-k search. LanceDB costs 2.5–3 ms of CPU for any call on this machine
 * (a take of 10 rows' `pos`), 10–15 ms to fetch 100 vectors by row id and 13–20 ms for an
 * IVF_RQ query (docs/performance.md), so a query answered in ≤ 3 ms of CPU cannot call it.
 *
 * In memory, per row: a 1-bit RaBitQ code of the row's residual to its partition centroid
 * (`_codes.ts`, 128 bytes at 768 dims), its estimator factor and popcount, the filterable
 * fields as dictionary codes and numbers (`_columns.ts`), value lists for chrom, gene,
 * consequence and clinical significance, and where the row's full record lies on disk.
 * On local disk, in two temporary files unlinked as soon as they are open (so they vanish with
 * the process, however it ends): the exact vectors (float32) and the records (JSON), read back only for the few hundred candidates of a query (reranked by
 * exact cosine distance) and the k hits. A query scans the codes of the rows that can pass
 * its filters: every match when they are few (value lists), else the partitions nearest to
 * the query, more of them as the filter is narrower.
 *
 * A tier answers for the table version it was built from; the caller checks the table's
 * version before each query (see pipeline/search.ts) and rebuilds on a change.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Filter } from "../filters.js";
import type { StoredVariant, VariantHit } from "../schema.js";
import { BLOCK_ROWS, createScanner, popcount, SCAN_BLOCKS, type Scanner } from "../../reduce/bit-scan.js";
import { errorPerFactor, prepareQuery, Rotation } from "./_codes.js";
import { RerankThread, rerankHere, type RerankJob, type Reranked } from "./_rerank.js";
import { assign, partitionsFor, trainCentroids } from "./_ivf.js";
import { DICT_FIELDS, DictBuilder, POSTED_FIELDS, columnBytes, compileMatcher, tierCanFilter, type Columns, type DictColumn } from "./_columns.js";

export { tierCanFilter } from "./_columns.js";

/** Leading coordinates the partitions are found in. */
const PREFIX = 64;
/**
 * Partitions an unfiltered query scans (of ~√rows; 40 of 1,024 at 1M rows: ~3.9 % of the codes).
 * 24 gave recall@10 0.939 over 500 text queries at 1M rows (0.962 over the first 100), 40 gave
 * 0.961 at the same CPU per query (docs/performance.md).
 */
export const TIER_BASE_PROBES = 40;
/** Candidates kept for the exact rerank (read unless their error bound rules them out). */
export const TIER_CANDIDATES = 384;
/**
 * ε0 of the rerank's error bound. RaBitQ's paper uses 1.9; on random 768-d pairs the error
 * stayed inside the bound for 98.5 % at 1.9 and 99.7 % at 2.5 (test/search-tier.test.ts checks
 * ≥ 99.5 % at this value).
 */
export const TIER_EPSILON = 2.5;
/** A filter matching at most this many rows is answered by scanning every match's code. */
export const TIER_FLAT_MAX = 60_000;

/** One batch of a table scan: the rows (no vectors) and their vectors, row-major. */
export interface ScanBatch {
  readonly rows: readonly StoredVariant[];
  readonly vectors: Float32Array;
}

/** What a tier holds, for stats and /metrics. */
export interface TierSummary {
  readonly version: number;
  readonly rows: number;
  readonly dims: number;
  readonly partitions: number;
  readonly codeBits: number;
  /** Bytes held in memory (codes, factors, columns, value lists, offsets). */
  readonly memoryBytes: number;
  readonly bytesPerVector: number;
  /** Bytes of the vector and record files on local disk. */
  readonly diskBytes: number;
  readonly buildSeconds: number;
}

/** Options of one tier query. */
export interface TierQuery {
  readonly k: number;
  readonly filters?: readonly (Filter | string)[];
  /** Partitions' worth of rows a query scores (on average `rows / partitions` each): an unfiltered query scans this many partitions, a filtered one as many as hold that many matches. */
  readonly probes?: number;
  /** Candidates reranked by exact distance. */
  readonly candidates?: number;
}

/** Lets other work run (a server's requests) between parts of the build. */
const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Scratch {
  readonly slots: Int32Array;
  /** Runs of listed slots, one partition each: its partition and where it ends. */
  readonly runPart: Int32Array;
  readonly runEnd: Int32Array;
  /** The blocks of one kernel call, and where each listed slot's sum lands in its output. */
  readonly blocks: Int32Array;
  readonly at: Int32Array;
}

class Growable {
  data: Float64Array;
  n = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.n === this.data.length) {
      const g = new Float64Array(this.data.length * 2);
      g.set(this.data);
      this.data = g;
    }
    this.data[this.n++] = v;
  }
}

/** The in-memory search tier of one table version. */
export class SearchTier {
  readonly #vectorFd: number;
  readonly #recordFd: number;
  readonly #closed = { value: false };

  private constructor(
    readonly summary: TierSummary,
    vectorFd: number,
    recordFd: number,
    private readonly rotation: Rotation,
    private readonly scanner: Scanner,
    private readonly factor: Float32Array,
    private readonly pop: Uint16Array,
    private readonly slotRow: Int32Array,
    private readonly partStart: Int32Array,
    private readonly centroids: Float32Array,
    private readonly recordAt: Float64Array,
    private readonly columns: Columns,
    private readonly scratch: Scratch,
    /** max √(1 − α²) over the rows when the estimates' error can be bounded (unit vectors, no dropped coordinates), else null. */
    private readonly kappa: number | null,
  ) {
    this.#vectorFd = vectorFd;
    this.#recordFd = recordFd;
  }

  /**
   * Builds a tier from every row of one table version, streamed once (`scan` yields the
   * batches). Peak memory while building: the tier plus 256 bytes a row (leading
   * coordinates) plus one batch.
   */
  static async build(version: number, dims: number, scan: AsyncIterable<ScanBatch>, options: { expectedRows?: number } = {}): Promise<SearchTier> {
    const started = performance.now();
    const dir = mkdtempSync(path.join(tmpdir(), "vcf-agent-tier-"));
    const vectorPath = path.join(dir, "vectors.f32");
    const recordPath = path.join(dir, "records.jsonl");
    const vfd = openSync(vectorPath, "w+");
    const rfd = openSync(recordPath, "w+");
    // Unlinked at once: the open descriptors keep the data, and the system frees it when they
    // close, also when the process dies (kill -9 leaves nothing behind).
    rmSync(dir, { recursive: true, force: true });
    try {
      const cap = options.expectedRows ?? 1024;
      const P = Math.min(PREFIX, dims);
      let prefix = new Float32Array(cap * P);
      const offsets = new Growable(cap + 1);
      const dict = new Map(DICT_FIELDS.map((f) => [f, new DictBuilder(cap)] as const));
      const pos = new Growable(cap);
      const af = new Growable(cap);
      let n = 0;
      let recordBytes = 0;
      offsets.push(0);
      for await (const batch of scan) {
        const m = batch.rows.length;
        if (batch.vectors.length !== m * dims) throw new Error(`internal: tier scan batch of ${m} rows has ${batch.vectors.length} floats`);
        writeSync(vfd, new Uint8Array(batch.vectors.buffer, batch.vectors.byteOffset, m * dims * 4));
        if ((n + m) * P > prefix.length) {
          const g = new Float32Array(Math.max(prefix.length * 2, (n + m) * P));
          g.set(prefix);
          prefix = g;
        }
        const lines: string[] = [];
        for (let i = 0; i < m; i++) {
          const r = batch.rows[i]!;
          prefix.set(batch.vectors.subarray(i * dims, i * dims + P), (n + i) * P);
          const line = JSON.stringify(r) + "\n";
          lines.push(line);
          recordBytes += Buffer.byteLength(line);
          offsets.push(recordBytes);
          dict.get("chrom")!.push(r.chrom);
          dict.get("gene")!.push(r.gene);
          dict.get("consequence")!.push(r.consequence);
          dict.get("clinical_significance")!.push(r.clinicalSignificance);
          dict.get("review_status")!.push(r.reviewStatus);
          dict.get("condition")!.push(r.condition);
          dict.get("filter")!.push(r.filter);
          dict.get("source")!.push(r.source);
          pos.push(Number.isFinite(r.pos) ? r.pos : Number.NaN);
          af.push(r.af ?? Number.NaN);
        }
        writeSync(rfd, lines.join(""));
        n += m;
      }

      // Partitions, and the slot order that keeps each partition's rows together.
      const nlist = partitionsFor(n);
      const centroids = await trainCentroids(prefix, n, P, nlist);
      const part = await assign(prefix, n, P, centroids, nlist);
      prefix = new Float32Array(0);
      const partStart = new Int32Array(nlist + 1);
      for (let i = 0; i < n; i++) partStart[part[i]! + 1]!++;
      for (let c = 0; c < nlist; c++) partStart[c + 1]! += partStart[c]!;
      const fill = partStart.slice(0, nlist);
      const slotRow = new Int32Array(n);
      const rowSlot = new Int32Array(n);
      for (let i = 0; i < n; i++) slotRow[fill[part[i]!]!++] = i;
      // Inside a partition, rows by clinical significance, then ascending allele frequency (missing
      // last), then table order: a clinical-significance or allele-frequency filter's matches then
      // lie together and the scan streams through them instead of jumping from row to row (codes
      // scattered at 31 % density cost ~3× contiguous ones; docs/performance.md has the 1M figures).
      const afv = af.data;
      const significance = dict.get("clinical_significance")!;
      const afKey = (r: number): number => (Number.isNaN(afv[r]!) ? Infinity : afv[r]!);
      const bySignificanceAf = (a: number, b: number): number => significance.codeOf(a) - significance.codeOf(b) || afKey(a) - afKey(b) || a - b;
      for (let c = 0; c < nlist; c++) slotRow.subarray(partStart[c]!, partStart[c + 1]!).sort(bySignificanceAf);
      for (let s = 0; s < n; s++) rowSlot[slotRow[s]!] = s;

      // Codes of the residuals, read back from the vector file in row order.
      const rotation = new Rotation(dims);
      const codeBytes = rotation.codeBytes;
      const scanner = createScanner(n, codeBytes);
      const factor = new Float32Array(n);
      const pop = new Uint16Array(n);
      const block = 4096;
      const buf = new Float32Array(block * dims);
      const bytes = new Uint8Array(buf.buffer);
      const r = new Float32Array(dims);
      const code = new Uint8Array(codeBytes);
      // For the rerank's error bound: the largest √(1 − α²) of any row, and whether every vector is unit-length.
      let kappa = 0;
      let unit = true;
      // Residuals to the leading-coordinate centroid. (Residuals to each partition's mean over
      // all coordinates were tried: recall@10 0.945 against 0.939 unfiltered, 0.968 against
      // 0.986 for one gene, and a filter's scattered matches then cost a 768-d dot product
      // per partition they touch: not kept.)
      for (let s = 0; s < n; s += block) {
        const m = Math.min(block, n - s);
        readSync(vfd, bytes, 0, m * dims * 4, s * dims * 4);
        for (let i = 0; i < m; i++) {
          // ~40 µs a row: let the server's requests run every 1,024 rows.
          if ((i & 1023) === 1023) await yieldNow();
          const row = s + i;
          const o = part[row]! * P;
          let vv = 0;
          for (let j = 0; j < dims; j++) {
            const x = buf[i * dims + j]!;
            vv += x * x;
            r[j] = x - (j < P ? centroids[o + j]! : 0);
          }
          if (Math.abs(Math.sqrt(vv) - 1) > 1e-3) unit = false;
          const slot = rowSlot[row]!;
          factor[slot] = rotation.encode(r, 0, code, 0);
          scanner.put(slot, code);
          const a = rotation.lastAlpha;
          kappa = Math.max(kappa, Math.sqrt(Math.max(0, 1 - a * a)));
          pop[slot] = popcount(code, 0, codeBytes);
        }
      }

      const dictColumns = new Map<(typeof DICT_FIELDS)[number], DictColumn>();
      for (const [f, b] of dict) dictColumns.set(f, b.pack(slotRow, POSTED_FIELDS.has(f)));
      const numbers = new Map<"pos" | "af", Float64Array>([
        ["pos", inSlotOrder(pos.data, slotRow)],
        ["af", inSlotOrder(af.data, slotRow)],
      ]);
      const columns: Columns = { dict: dictColumns, numbers };
      const recordAt = offsets.data.slice(0, n + 1);
      // Work arrays for every row, allocated once: searches are synchronous, so one set serves all.
      const scratch: Scratch = { slots: new Int32Array(n), runPart: new Int32Array(nlist), runEnd: new Int32Array(nlist), blocks: new Int32Array(SCAN_BLOCKS), at: new Int32Array(SCAN_BLOCKS * BLOCK_ROWS) };
      const scratchBytes = scratch.slots.byteLength + scratch.runPart.byteLength + scratch.runEnd.byteLength + scratch.blocks.byteLength + scratch.at.byteLength;
      const memoryBytes =
        scanner.bytes + factor.byteLength + pop.byteLength + slotRow.byteLength + partStart.byteLength + centroids.byteLength + recordAt.byteLength + columnBytes(columns) + scratchBytes;
      const summary: TierSummary = {
        version,
        rows: n,
        dims,
        partitions: nlist,
        codeBits: rotation.bits,
        memoryBytes,
        bytesPerVector: n === 0 ? 0 : memoryBytes / n,
        diskBytes: n * dims * 4 + recordBytes,
        buildSeconds: (performance.now() - started) / 1000,
      };
      const bound = unit && rotation.width === rotation.bits ? kappa : null;
      return new SearchTier(summary, vfd, rfd, rotation, scanner, factor, pop, slotRow, partStart, centroids, recordAt, columns, scratch, bound);
    } catch (e) {
      closeQuietly(vfd);
      closeQuietly(rfd);
      throw e;
    }
  }

  /** True when this tier can answer a query with these filters (every field is one it holds). */
  canFilter(filters: readonly (Filter | string)[]): boolean {
    return tierCanFilter(filters);
  }

  readonly #matches = new Map<string, number>();

  /**
   * The k rows nearest to `q` by cosine distance among those passing `filters`, nearest first,
   * with exact distances. Call only when {@link canFilter} is true.
   */
  search(q: Float32Array, query: TierQuery): VariantHit[] {
    const job = this.#candidates(q, query);
    return job === null ? [] : this.#hits(rerankHere(this.#vectorFd, this.summary.dims, job));
  }

  /**
   * {@link search}, with the rerank on the tier's rerank thread when it has one (see
   * {@link useRerankThread}); the same hits either way.
   */
  async searchAsync(q: Float32Array, query: TierQuery): Promise<VariantHit[]> {
    const job = this.#candidates(q, query);
    if (job === null) return [];
    const thread = this.#thread;
    if (thread === null || !thread.usable) return this.#hits(rerankHere(this.#vectorFd, this.summary.dims, job));
    this.#pending++;
    try {
      const hits = this.#hits(await thread.run(job));
      this.threadReranks++;
      return hits;
    } finally {
      if (--this.#pending === 0 && this.#closed.value) this.#release();
    }
  }

  /** Reranks {@link searchAsync}'s candidates on a thread of their own from now on. */
  useRerankThread(): void {
    if (this.#closed.value || this.#thread !== null) return;
    this.#thread = new RerankThread(this.#vectorFd, this.summary.dims);
  }

  /** Reranks done on the thread. */
  threadReranks = 0;
  #thread: RerankThread | null = null;
  // searchAsync calls awaiting the thread: the files stay open until they are answered.
  #pending = 0;

  /** The rerank's input: candidates, best estimate first, with their bounds; null when no row passes. */
  #candidates(q: Float32Array, query: TierQuery): RerankJob | null {
    if (this.#closed.value) throw new Error("internal: search tier used after close");
    const { summary } = this;
    const n = summary.rows;
    const k = query.k;
    if (n === 0) return null;
    const filters = query.filters ?? [];
    const matcher = filters.length === 0 ? null : compileMatcher(this.columns, filters);
    const P = Math.min(PREFIX, summary.dims);
    const nlist = summary.partitions;
    const d = summary.dims;
    const centroids = this.centroids;
    // q · centroid (centroids hold the leading P coordinates): the estimate's base, and what
    // ranks the partitions.
    const qc = new Float64Array(nlist);
    for (let c = 0; c < nlist; c++) {
      // Four accumulators: ~2× faster than one on 1,024 × 64.
      let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      let j = 0;
      for (const o = c * P; j + 4 <= P; j += 4) {
        d0 += q[j]! * centroids[o + j]!;
        d1 += q[j + 1]! * centroids[o + j + 1]!;
        d2 += q[j + 2]! * centroids[o + j + 2]!;
        d3 += q[j + 3]! * centroids[o + j + 3]!;
      }
      for (; j < P; j++) d0 += q[j]! * centroids[c * P + j]!;
      qc[c] = d0 + d1 + d2 + d3;
    }

    // Which slots to score (into the shared scratch: a search runs to its end without yielding),
    // in runs of one partition each (ascending slots): every match (few), or the matches in the
    // nearest partitions.
    const scratch = this.#scratchFor(n);
    const slots = scratch.slots;
    const runPart = scratch.runPart;
    const runEnd = scratch.runEnd;
    let runs = 0;
    let count = 0;
    const partStart = this.partStart;
    const key = JSON.stringify(filters);
    const known = matcher === null ? n : this.#matches.get(key);
    const flatList = matcher !== null && matcher.start !== null && matcher.start.length <= TIER_FLAT_MAX ? matcher.start : null;
    if (matcher !== null && (flatList !== null || (known ?? 0) <= TIER_FLAT_MAX)) {
      // Every match: from the value list, or (no list) by testing every row, once per filter
      // and tier before its count decides. Slots ascend, so partitions do.
      const test = matcher.test;
      let c = 0;
      const visit = (slot: number): void => {
        if (!test(slot)) return;
        while (slot >= partStart[c + 1]!) c++;
        if (runs === 0 || runPart[runs - 1] !== c) runPart[runs++] = c;
        slots[count++] = slot;
        runEnd[runs - 1] = count;
      };
      if (flatList !== null) for (let i = 0; i < flatList.length; i++) visit(flatList[i]!);
      else for (let slot = 0; slot < n; slot++) visit(slot);
      this.#matches.set(key, count);
    } else {
      // Partitions nearest first until the matches found fill as many slots as `probes`
      // partitions hold on average, times √(the filter's share of the rows): a filter's
      // matches gather in some partitions (the embedding carries the annotations), so a fixed
      // probe count scaled by selectivity misses them for queries that lie far from those
      // partitions; but asking a filter of share s for the unfiltered row count visits 1/s
      // times the rows, and past ~6 % of the rows (this path) √s of it held recall@10 ≥ 0.97
      // at 1M rows for 8–32 % filters with a third to half the scan (docs/performance.md).
      // `known` is set here: unfiltered it is n, and a filter comes this way once its count is.
      const wantRows = Math.ceil((((query.probes ?? TIER_BASE_PROBES) * n) / nlist) * Math.sqrt((known ?? n) / n));
      const test = matcher?.test;
      const posted = matcher?.start ?? null;
      const order = this.#partitionsByDistance(qc);
      for (let c = order.next(); c >= 0; c = order.next()) {
        if (count >= wantRows) break;
        const lo = partStart[c]!;
        const hi = partStart[c + 1]!;
        const before = count;
        if (posted !== null) {
          // The value list's slots inside this partition: rows without the value are not visited.
          for (let i = lowerBound(posted, lo); i < posted.length && posted[i]! < hi; i++) {
            const slot = posted[i]!;
            if (test!(slot)) slots[count++] = slot;
          }
        } else if (test === undefined) {
          for (let slot = lo; slot < hi; slot++) slots[count++] = slot;
        } else {
          for (let slot = lo; slot < hi; slot++) if (test(slot)) slots[count++] = slot;
        }
        if (count > before) {
          runPart[runs] = c;
          runEnd[runs++] = count;
        }
      }
    }
    if (count === 0) return null;

    // Estimated inner products of every slot listed, then the best `candidates` reranked exactly.
    const prepared = prepareQuery(this.rotation, q);
    const bits = this.rotation.bits;
    const want = Math.min(count, Math.max(k, query.candidates ?? TIER_CANDIDATES));
    const heap = new TopHeap(want);
    const { lo, delta, sumU } = prepared;
    // signedSum() inlined and regrouped: Σ s_j (Pq)_j = lo · (2·pop − B) + Δ · (2·S − U) = L2·pop + D2·S − C.
    const L2 = 2 * lo;
    const D2 = 2 * delta;
    const C = lo * bits + delta * sumU;
    const factor = this.factor;
    const pop = this.pop;
    const luts = prepared.luts;
    // The kernel scores whole blocks of 32 slots, each run of listed slots in one block listing
    // that block once. A filter's matches cluster: at 1M rows the blocks scored hold 1.0–1.9
    // times as many rows as the slots listed (docs/performance.md).
    const blocks = scratch.blocks;
    const at = scratch.at;
    // Most slots fall below the heap's floor once it is full: tested inline, without a call.
    let floor = -Infinity;
    let a = 0;
    for (let r = 0; r < runs; r++) {
      const b = runEnd[r]!;
      const qcv = qc[runPart[r]!]!;
      while (a < b) {
        const first = slots[a]!;
        if (slots[b - 1]! - first === b - 1 - a) {
          // Consecutive slots (a whole partition, or a run of one value): blocks in a row, no index.
          const b0 = first >> 5;
          const end = Math.min(slots[b - 1]!, ((b0 + SCAN_BLOCKS) << 5) - 1);
          const nb = (end >> 5) - b0 + 1;
          for (let x = 0; x < nb; x++) blocks[x] = b0 + x;
          const S = this.scanner.scan(blocks, nb, luts);
          const base = b0 << 5;
          for (let slot = first; slot <= end; slot++) {
            const e = qcv + factor[slot]! * (L2 * pop[slot]! + D2 * S[slot - base]! - C);
            if (e > floor) {
              heap.offer(e, slot);
              if (heap.count === want) floor = heap.min;
            }
          }
          a += end - first + 1;
          continue;
        }
        let nb = 0;
        let last = -1;
        let i = a;
        for (; i < b; i++) {
          const slot = slots[i]!;
          const block = slot >> 5;
          if (block !== last) {
            if (nb === SCAN_BLOCKS) break;
            blocks[nb++] = block;
            last = block;
          }
          at[i - a] = (nb - 1) * BLOCK_ROWS + (slot & 31);
        }
        const S = this.scanner.scan(blocks, nb, luts);
        for (let j = a; j < i; j++) {
          const slot = slots[j]!;
          const e = qcv + factor[slot]! * (L2 * pop[slot]! + D2 * S[at[j - a]!]! - C);
          if (e > floor) {
            heap.offer(e, slot);
            if (heap.count === want) floor = heap.min;
          }
        }
        a = i;
      }
    }
    // Candidates best estimate first; one whose estimate plus its error bound (g · errorPerFactor,
    // with the largest √(1 − α²) of any row) cannot reach the k-th exact inner product so far is not read.
    const n0 = heap.count;
    const order = heap.sorted();
    let qq = 0;
    for (let j = 0; j < d; j++) qq += q[j]! * q[j]!;
    const qn = Math.sqrt(qq);
    const kappa = this.kappa;
    const errPerG = kappa === null ? Infinity : errorPerFactor(TIER_EPSILON, kappa, qn, prepared, bits);
    const rows = new Int32Array(n0);
    const bounds = new Float64Array(n0);
    for (let i = 0; i < n0; i++) {
      const slot = order.ids[i]!;
      rows[i] = this.slotRow[slot]!;
      bounds[i] = order.scores[i]! + errPerG * factor[slot]!;
    }
    return { q: q.subarray(0, d), qn, rows, bounds, k };
  }

  #hits(r: Reranked): VariantHit[] {
    const out: VariantHit[] = [];
    for (let i = 0; i < r.rows.length; i++) out.push({ ...this.#record(r.rows[i]!), distance: r.distances[i]! });
    return out;
  }

  #scratchFor(_n: number): Scratch {
    return this.scratch;
  }

  /** Every partition, nearest the query first (by the leading coordinates), popped one at a time. */
  #partitionsByDistance(qc: Float64Array): NearestFirst {
    const nlist = this.summary.partitions;
    // |q − c|² = |q|² − 2 q·c + |c|²: the |q|² term is the same for all.
    const norms = this.#centroidNorms;
    const order = this.#order;
    for (let c = 0; c < nlist; c++) order.dist[c] = norms[c]! - 2 * qc[c]!;
    order.reset(nlist);
    return order;
  }

  get #order(): NearestFirst {
    return (this.#nearest ??= new NearestFirst(this.summary.partitions));
  }

  #nearest: NearestFirst | null = null;

  get #centroidNorms(): Float64Array {
    if (this.#norms === null) {
      const P = Math.min(PREFIX, this.summary.dims);
      const nlist = this.summary.partitions;
      this.#norms = new Float64Array(nlist);
      for (let c = 0; c < nlist; c++) {
        let sq = 0;
        for (let j = 0; j < P; j++) sq += this.centroids[c * P + j]! ** 2;
        this.#norms[c] = sq;
      }
    }
    return this.#norms;
  }

  #norms: Float64Array | null = null;


  #record(row: number): StoredVariant {
    const start = this.recordAt[row]!;
    const len = this.recordAt[row + 1]! - start;
    const buf = Buffer.allocUnsafe(len);
    readSync(this.#recordFd, buf, 0, len, start);
    return JSON.parse(buf.toString("utf8")) as StoredVariant;
  }

  /** Frees the memory and the files' disk space (once the reranks under way on the thread end). */
  close(): void {
    if (this.#closed.value) return;
    this.#closed.value = true;
    if (this.#pending === 0) this.#release();
  }

  #release(): void {
    const thread = this.#thread;
    this.#thread = null;
    const files = (): void => {
      closeQuietly(this.#vectorFd);
      closeQuietly(this.#recordFd);
    };
    // The thread reads the vector file: it ends before the descriptors close (a descriptor
    // number closed under it could be reused by another file).
    if (thread === null) files();
    else void thread.close().finally(files);
  }
}

/** First index of the ascending `a` whose value is ≥ `x`. */
function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function inSlotOrder(values: Float64Array, slotRow: Int32Array): Float64Array {
  const out = new Float64Array(slotRow.length);
  for (let s = 0; s < slotRow.length; s++) out[s] = values[slotRow[s]!]!;
  return out;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * Partitions in ascending distance (ties by number), popped one at a time from a binary heap:
 * a query visits tens of the 1,024 partitions, so sorting all of them (0.18 ms) is not needed.
 */
class NearestFirst {
  readonly dist: Float64Array;
  readonly #heap: Int32Array;
  #n = 0;
  constructor(size: number) {
    this.dist = new Float64Array(size);
    this.#heap = new Int32Array(size);
  }

  /** Heapifies partitions 0..n-1 by {@link dist}, filled in by the caller. */
  reset(n: number): void {
    const h = this.#heap;
    for (let i = 0; i < n; i++) h[i] = i;
    this.#n = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  /** The nearest partition not yet popped, or -1. */
  next(): number {
    if (this.#n === 0) return -1;
    const h = this.#heap;
    const top = h[0]!;
    h[0] = h[--this.#n]!;
    this.#down(0);
    return top;
  }

  #less(a: number, b: number): boolean {
    const d = this.dist;
    return d[a]! < d[b]! || (d[a] === d[b] && a < b);
  }

  #down(i: number): void {
    const h = this.#heap;
    const n = this.#n;
    const x = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.#less(h[r]!, h[l]!) ? r : l;
      if (!this.#less(h[c]!, x)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = x;
  }
}

/** The `size` largest scores offered, as a min-heap. */
class TopHeap {
  readonly #score: Float64Array;
  readonly #id: Int32Array;
  #n = 0;
  constructor(readonly size: number) {
    this.#score = new Float64Array(size);
    this.#id = new Int32Array(size);
  }
  offer(score: number, id: number): void {
    const sc = this.#score;
    const ids = this.#id;
    if (this.#n < this.size) {
      let i = this.#n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (sc[p]! <= score) break;
        sc[i] = sc[p]!;
        ids[i] = ids[p]!;
        i = p;
      }
      sc[i] = score;
      ids[i] = id;
      return;
    }
    if (!(score > sc[0]!)) return;
    let i = 0;
    const n = this.#n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && sc[r]! < sc[l]! ? r : l;
      if (sc[c]! >= score) break;
      sc[i] = sc[c]!;
      ids[i] = ids[c]!;
      i = c;
    }
    sc[i] = score;
    ids[i] = id;
  }
  get count(): number {
    return this.#n;
  }
  /** The smallest score kept (the heap's root). */
  get min(): number {
    return this.#score[0]!;
  }
  /**
   * The scores and ids kept, largest score first (ties by id), as a heapsort in place (the heap
   * is used up): 384 in 47–69 µs against 109–158 µs for a sort with a comparator.
   */
  sorted(): { scores: Float64Array; ids: Int32Array } {
    const n = this.#n;
    const sc = this.#score;
    const ids = this.#id;
    // "Below": smaller score, or the same score and a larger id.
    const below = (a: number, b: number): boolean => sc[a]! < sc[b]! || (sc[a] === sc[b] && ids[a]! > ids[b]!);
    const down = (i: number, end: number): void => {
      for (;;) {
        const l = 2 * i + 1;
        if (l >= end) return;
        const r = l + 1;
        const c = r < end && below(r, l) ? r : l;
        if (!below(c, i)) return;
        const s = sc[i]!;
        const d = ids[i]!;
        sc[i] = sc[c]!;
        ids[i] = ids[c]!;
        sc[c] = s;
        ids[c] = d;
        i = c;
      }
    };
    // Ties were not ordered by id while offering: heapify again under the full order first.
    for (let i = (n >> 1) - 1; i >= 0; i--) down(i, n);
    for (let end = n - 1; end > 0; end--) {
      const s = sc[0]!;
      const d = ids[0]!;
      sc[0] = sc[end]!;
      ids[0] = ids[end]!;
      sc[end] = s;
      ids[end] = d;
      down(0, end);
    }
    this.#n = 0;
    return { scores: sc.subarray(0, n), ids: ids.subarray(0, n) };
  }
}
