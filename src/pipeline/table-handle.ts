/**
 * The table the service searches, opened read-only and shared by requests. LanceDB
 * handles see the version they opened, so the handle is reopened after each ingest job
 * (and, while the table does not exist yet, at most once a second). Requests hold a
 * reference while they use it; a replaced handle closes when its last request ends.
 */
import type { SessionConfig } from "../config.js";
import type { EmbeddingProvider } from "../providers/provider.js";
import { VariantEmbeddingService, stageRequestOf } from "../embedding/service.js";
import { chooseStage } from "../reduce/choose-stage.js";
import { VariantSearch } from "./search.js";
import { TierKeeper, type TierStatus } from "./search-tier.js";
import { storageOf, VariantStore, type StoreStats } from "../store/index.js";

/** Who hears of the services a handle opens and retires (a metrics exporter). */
export interface ServiceWatcher {
  watchService(service: VariantEmbeddingService, role: string): void;
  unwatchService(service: VariantEmbeddingService): void;
}

/** An open table: its store, the service that embeds queries into its space, and search (null while the table does not exist). */
export interface OpenTable {
  readonly store: VariantStore;
  readonly service: VariantEmbeddingService;
  readonly search: VariantSearch | null;
}

/** An open table and the requests using it. */
export interface Slot {
  readonly table: OpenTable;
  readonly openedAt: number;
  refs: number;
  retired: boolean;
  stats: { at: number; value: Promise<StoreStats> } | null;
}

const MISSING_TABLE_RECHECK_MS = 1000;
const STATS_TTL_MS = 2000;

/** Opens, shares and reopens the searched table. */
export class TableHandle {
  private slot: Promise<Slot> | null = null;
  private stale = false;
  /** The in-memory search tier, kept across reopened handles (it follows the table's version itself). */
  private readonly tier: TierKeeper | null;

  constructor(
    private readonly config: SessionConfig,
    private readonly provider: EmbeddingProvider,
    private readonly metrics?: ServiceWatcher,
    options: { readonly searchTier?: boolean } = {},
  ) {
    // Many searches at once here: each one's rerank runs on the tier's thread while the event
    // loop serves the next request.
    this.tier = options.searchTier === true ? new TierKeeper(config, {}, { rerankThread: true }) : null;
  }

  /** What the search tier holds now (state "off" when this handle keeps none). */
  tierStatus(): TierStatus {
    return this.tier?.status() ?? { state: "off", summary: null, building: null, builds: 0, error: null, queries: { tier: 0, table: 0 } };
  }

  /** Waits for a search tier build under way (tests). */
  async tierSettled(): Promise<void> {
    await this.tier?.settled();
  }

  /** Runs `fn` with the current table, which stays open until `fn` settles. */
  async use<T>(fn: (table: OpenTable, slot: Slot) => Promise<T>): Promise<T> {
    let slot = await this.current();
    // Replaced between being handed out and being taken: it may be closed already.
    while (slot.retired) slot = await this.current();
    slot.refs++;
    try {
      return await fn(slot.table, slot);
    } finally {
      slot.refs--;
      if (slot.retired && slot.refs === 0) this.dispose(slot);
    }
  }

  /** Table statistics, at most 2 s old (they walk the table directory). */
  stats(): Promise<StoreStats> {
    return this.use((table, slot) => {
      const now = Date.now();
      if (slot.stats === null || now - slot.stats.at > STATS_TTL_MS) {
        const value = table.store.stats();
        value.catch(() => undefined);
        slot.stats = { at: now, value };
      }
      return slot.stats.value;
    });
  }

  /** The next request reopens the table (after an ingest wrote to it). */
  invalidate(): void {
    this.stale = true;
  }

  /** Closes the table once requests in flight are done. */
  async close(): Promise<void> {
    const slot = await this.slot?.catch(() => null);
    this.slot = null;
    if (slot) this.retire(slot);
    await this.tier?.close();
  }

  private async current(): Promise<Slot> {
    for (;;) {
      const pending = this.slot;
      if (pending !== null && !this.stale) {
        const slot = await pending.catch(() => null);
        if (this.slot !== pending) continue; // replaced while we waited: look again
        const recheck = slot !== null && slot.table.search === null && Date.now() - slot.openedAt > MISSING_TABLE_RECHECK_MS;
        if (slot !== null && !recheck) return slot;
      }
      // From here to the assignment nothing awaits, so only one caller replaces the slot.
      this.stale = false;
      const next = this.open();
      this.slot = next;
      next.catch(() => {
        if (this.slot === next) this.slot = null; // retry on the next request
      });
      pending?.then(
        (old) => this.retire(old),
        () => undefined,
      );
      return next;
    }
  }

  private async open(): Promise<Slot> {
    const { config, provider } = this;
    const store = await VariantStore.connect(config.store.uri, { table: config.store.table, readOnly: true, ...storageOf(config) });
    let table: OpenTable;
    try {
      if (store.dims === null) {
        // Nothing to search yet, and a query must not start a PCA fit.
        const stage = chooseStage({ ...stageRequestOf(provider, config.memoryOptimization), noFit: "no table yet: vectors at the provider's full width" });
        table = { store, service: new VariantEmbeddingService(config, { provider, stage }), search: null };
      } else {
        const search = await VariantSearch.open(config, { provider, store, ...(this.tier === null ? {} : { tier: this.tier }) });
        table = { store, service: search.service, search };
      }
    } catch (err) {
      store.close();
      throw err;
    }
    this.metrics?.watchService(table.service, "search");
    return { table, openedAt: Date.now(), refs: 0, retired: false, stats: null };
  }

  private retire(slot: Slot): void {
    if (slot.retired) return;
    slot.retired = true;
    this.metrics?.unwatchService(slot.table.service);
    if (slot.refs === 0) this.dispose(slot);
  }

  private dispose(slot: Slot): void {
    slot.table.service.close();
    slot.table.store.close();
  }
}
