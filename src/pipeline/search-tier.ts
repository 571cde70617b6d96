/**
 * {@link TierKeeper}: keeps the in-memory search tier of one table current. Every query
 * names the table version it sees; a tier built from another version is never used. On a
 * change (an append by any process or machine, a re-ingest, a delete, an index build) the
 * keeper starts a rebuild in the background and the query is answered by LanceDB meanwhile,
 * so results always include every row of the version the query sees.
 */
import type { SessionConfig } from "../config.js";
import { storageOf, VariantStore } from "../store/index.js";
import { SearchTier, type TierSummary } from "../store/tier/index.js";

const RETRY_AFTER_FAILURE_MS = 30_000;

/** What `stats` and `/metrics` show of the tier. */
export interface TierStatus {
  /** off: not kept; empty: no table yet; building; ready (for `summary.version`); failed (`error`). */
  readonly state: "off" | "empty" | "building" | "ready" | "failed";
  readonly summary: TierSummary | null;
  /** Table version being built, while building. */
  readonly building: number | null;
  readonly builds: number;
  readonly error: string | null;
  /** Queries answered by the tier, and by LanceDB because the tier was not current or could not filter. */
  readonly queries: { readonly tier: number; readonly table: number };
}

/** Builds and swaps the search tier of one table. */
export class TierKeeper {
  #tier: SearchTier | null = null;
  #building: { version: number | null; done: Promise<void> } | null = null;
  #builds = 0;
  #error: string | null = null;
  #failedAt = 0;
  #closed = false;
  #empty = false;
  readonly queries = { tier: 0, table: 0 };

  /**
   * @param tuning the tier's query settings (default TIER_BASE_PROBES partitions and
   *   TIER_CANDIDATES reranked): what bench:search varies.
   * @param options `rerankThread`: each tier built reranks on a thread of its own (the service).
   */
  constructor(
    private readonly config: SessionConfig,
    readonly tuning: { readonly probes?: number; readonly candidates?: number } = {},
    private readonly options: { readonly rerankThread?: boolean } = {},
  ) {}

  /**
   * The tier for `version`, or null when there is none yet (a build then starts, unless one
   * is under way). `version` is what the caller's table handle sees now.
   */
  forVersion(version: number | null): SearchTier | null {
    if (this.#closed) return null;
    const tier = this.#tier;
    if (version !== null && tier !== null && tier.summary.version === version) return tier;
    // A failed build is retried after a pause, not on every query.
    const pausing = this.#error !== null && Date.now() - this.#failedAt < RETRY_AFTER_FAILURE_MS;
    if (this.#building === null && version !== null && !pausing) this.#rebuild(version);
    return null;
  }

  /** Waits for the build under way, if any (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.#building !== null) await this.#building.done;
  }

  status(): TierStatus {
    const tier = this.#tier;
    const state = this.#building !== null ? "building" : tier !== null ? "ready" : this.#error !== null ? "failed" : this.#empty ? "empty" : "building";
    return { state, summary: tier?.summary ?? null, building: this.#building?.version ?? null, builds: this.#builds, error: this.#error, queries: { ...this.queries } };
  }

  #rebuild(seen: number): void {
    const job = { version: seen as number | null, done: Promise.resolve() };
    job.done = (async () => {
      let store: VariantStore | null = null;
      try {
        store = await VariantStore.connect(this.config.store.uri, { table: this.config.store.table, readOnly: true, ...storageOf(this.config) });
        const snap = await store.snapshotRows();
        if (snap === null) {
          this.#empty = true;
          return;
        }
        job.version = snap.version;
        const built = await SearchTier.build(snap.version, snap.dims, snap.batches, { expectedRows: snap.rows });
        this.#builds++;
        this.#error = null;
        if (this.#closed) {
          built.close();
          return;
        }
        if (this.options.rerankThread === true) built.useRerankThread();
        const old = this.#tier;
        this.#tier = built;
        // A tier closes its files once the reranks under way on it end, so the old one can go now.
        old?.close();
      } catch (e) {
        this.#error = e instanceof Error ? e.message : String(e);
        this.#failedAt = Date.now();
      } finally {
        store?.close();
        this.#building = null;
      }
    })();
    this.#building = job;
  }

  /** Frees the tier (and its files) once the build under way, if any, ends. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.settled();
    this.#tier?.close();
    this.#tier = null;
  }
}
