/**
 * The ingest's table writer: collects released rows into columnar batches and writes
 * each batch in one commit, with at most one write in flight (so embedding the next
 * batch overlaps writing this one). Batches go in file order, so the table always holds
 * a prefix of the input. A committed batch's column buffers go back to the rows builder,
 * which then cycles through two sets (one being written, one filling) instead of
 * allocating a new ~6 MB set per batch.
 *
 * Append or merge: merge-insert joins against every stored id, a cost in time and memory
 * that grows with the table (docs/performance.md). When the ingest owns the table (it
 * began empty, or a checkpoint says it holds exactly this file's prefix) the writer tracks
 * the ids it has sent in {@link SentIds} and appends every batch. In a coordinate-sorted
 * file a repeat of an id sent before is known exactly and dropped here, like a repeat
 * within one batch, and no memory grows with the file. When the input leaves coordinate
 * order, a Bloom filter of every sent id is built once from the table, and from then on
 * the few ids of a batch that may have been sent (a repeat in the file, or a rare false
 * "maybe") go with it as `mayBeStored`: the store looks them up exactly and skips those
 * it holds (a batch with more than a few hundred such ids is merged). When the table may
 * hold other rows, every batch is merged.
 */
import { VcfAgentError } from "../errors.js";
import type { VariantStore } from "../store/index.js";
import { VariantRowsBuilder } from "../store/rows-builder.js";
import type { VariantRows } from "../store/schema.js";
import type { VariantSummary } from "../vcf/describe.js";
import { IdFilter, type SentIds } from "./_id-filter.js";

/** What a commit reports to the checkpoint. */
export interface CommitProgress {
  /** Input variants (in file order, repeats included) whose batch is committed. */
  readonly committed: number;
  /** Rows this writer inserted so far. */
  readonly inserted: number;
}

/** Counters of a {@link TableWriter}, all from committed writes. */
export interface WriterCounts {
  inserted: number;
  /** Rows whose id was already stored (left as it was). */
  skipped: number;
  /** Rows dropped because their id came earlier in the same batch. */
  duplicatesInBatch: number;
  committed: number;
  appends: number;
  /** Appends that first looked up ids that may have been stored (unsorted input only). */
  lookups: number;
  merges: number;
}

/** See the module comment. */
export class TableWriter {
  readonly counts: WriterCounts = { inserted: 0, skipped: 0, duplicatesInBatch: 0, committed: 0, appends: 0, lookups: 0, merges: 0 };
  #builder: VariantRowsBuilder | null = null;
  #inFlight: Promise<void> | null = null;
  /** Ids in the batch being collected: a repeat is dropped here, before its vector is copied. */
  #batchIds = new Set<string>();
  /** Input rows represented by the batch being collected (kept rows plus dropped repeats). */
  #pendingInput = 0;
  #pendingRepeats = 0;
  /** Ids of the batch being collected that the id filter says may have been sent. */
  #maybeSent: string[] = [];

  /**
   * @param ids the ids this ingest has sent, or null when the table may hold other rows (always merge)
   * @param onCommit called after each commit, before the next write starts
   */
  constructor(
    private readonly store: VariantStore,
    private readonly source: string,
    private readonly rowsPerWrite: number,
    private readonly ids: SentIds | null,
    private readonly onCommit: (p: CommitProgress) => Promise<void>,
  ) {}

  /** Adds released rows with their vectors (copied), writing full batches as it goes. */
  async add(rows: readonly VariantSummary[], vectors: readonly Float32Array[]): Promise<void> {
    if (rows.length !== vectors.length) throw new VcfAgentError(`internal: ${rows.length} rows but ${vectors.length} vectors`, "STORE");
    const ids = this.ids;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const v = vectors[i]!;
      const id = row.variantId;
      this.#pendingInput++;
      if (this.#batchIds.has(id)) {
        this.#pendingRepeats++;
        continue;
      }
      if (ids !== null) {
        let seen = ids.take(id, row.chrom, row.pos);
        if (seen === "unordered") {
          ids.useFilter(await this.#sentFilter());
          seen = ids.take(id, row.chrom, row.pos);
        }
        if (seen === "repeat") {
          this.#pendingRepeats++;
          continue;
        }
        if (seen === "maybe") this.#maybeSent.push(id);
      }
      this.#batchIds.add(id);
      this.#builder ??= new VariantRowsBuilder(v.length, this.rowsPerWrite, this.source);
      this.#builder.push(row, v);
      if (this.#builder.full) await this.#flush();
    }
  }

  /** Writes what is collected and waits for every write to commit. */
  async close(): Promise<void> {
    await this.#flush();
    if (this.#inFlight) await this.#inFlight;
    this.#inFlight = null;
  }

  /** After a failure: let a write in flight finish (it commits or not, atomically), drop the rest. */
  async abandon(): Promise<void> {
    if (this.#inFlight) await this.#inFlight.catch(() => undefined);
    this.#inFlight = null;
    this.#builder = null;
  }

  /**
   * A filter of every id sent so far, built once when the input leaves coordinate order:
   * the table's ids (it holds only what this ingest sent, or the file's prefix before a
   * resume) once the write in flight has committed, and the batch being collected.
   */
  async #sentFilter(): Promise<IdFilter> {
    if (this.#inFlight) await this.#inFlight;
    const filter = new IdFilter();
    await this.store.forEachId((id) => filter.add(id));
    for (const id of this.#batchIds) filter.add(id);
    return filter;
  }

  async #flush(): Promise<void> {
    if (this.#builder === null || this.#builder.length === 0) return;
    const batch = this.#builder.build();
    const input = this.#pendingInput;
    const repeats = this.#pendingRepeats;
    const mayBeStored = this.ids === null ? undefined : this.#maybeSent;
    this.#pendingInput = 0;
    this.#pendingRepeats = 0;
    this.#maybeSent = [];
    this.#batchIds = new Set();
    if (this.#inFlight) await this.#inFlight;
    const write = this.#write(batch, input, repeats, mayBeStored);
    write.catch(() => undefined); // observed when awaited; never an unhandled rejection meanwhile
    this.#inFlight = write;
  }

  async #write(batch: VariantRows, input: number, repeats: number, mayBeStored: readonly string[] | undefined): Promise<void> {
    const r = await this.store.addBatch(batch, mayBeStored === undefined ? {} : { mayBeStored });
    // Committed: LanceDB has its own copy, so the batch after next can reuse these buffers.
    this.#builder?.recycle(batch);
    const c = this.counts;
    c.inserted += r.inserted + r.updated;
    c.skipped += r.skipped;
    c.duplicatesInBatch += r.duplicatesInBatch + repeats;
    c.committed += input;
    if (r.method === "merge") c.merges++;
    else c.appends++;
    if (r.method === "append" && mayBeStored !== undefined && mayBeStored.length > 0) c.lookups++;
    await this.onCommit({ committed: c.committed, inserted: c.inserted });
  }
}
