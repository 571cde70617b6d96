/**
 * Searching a variant table: a text query is embedded with the provider that filled the
 * table and projected with the table's own PCA model, so it lands in the stored space.
 */
import type { SessionConfig } from "../config.js";
import type { EmbeddingProvider } from "../providers/provider.js";
import { createProvider, readyProvider } from "../providers/create.js";
import { VariantEmbeddingService } from "../embedding/service.js";
import { VcfAgentError } from "../errors.js";
import { modelSha256 } from "../reduce/model-file.js";
import { compileFilters } from "../store/filters.js";
import { storageOf, VariantStore, type Filter, type VariantHit } from "../store/index.js";
import { stageForTable } from "./table-stage.js";
import type { TierKeeper } from "./search-tier.js";
import { tierCanFilter } from "../store/tier/index.js";

/**
 * Partitions an unfiltered ANN query probes (LanceDB's default). A filtered query probes
 * this many divided by the filter's selectivity: the nearest rows that pass a filter lie
 * about as deep in the partition order as the nearest k/selectivity rows overall, so a
 * fixed probe count loses recall as filters narrow (docs/performance.md: 0.60 at 8 %
 * selectivity on 100k rows with 20 probes).
 */
export const BASE_NPROBES = 20;

/**
 * A filtered query matching at most this many rows is answered exactly: every match is
 * scored (recall 1). On 1M × 768 rows with the scalar indexes (docs/performance.md), exact
 * costs ~11 ms per 1,000 matches spread over the table (9,946: 114 ms) and less when they
 * sit together (a gene's 21,917: 40 ms), the index probing every partition 31–55 ms:
 * exact wins up to a few thousand scattered matches.
 */
export const EXACT_MAX_MATCHES = 4_000;

/**
 * Where a hit came from and how it was found, so a search can be cited and replayed: the
 * source file and line of the record, the exact text that was embedded, the embedder, the
 * PCA model (by the SHA-256 of its file's payload) and the distance metric.
 */
export interface HitProvenance {
  readonly source: string;
  /** 1-based line in the source file; null when unknown (region reads, tables written before lines were kept). */
  readonly line: number | null;
  readonly embeddedText: string;
  /** Provider id: model and width, e.g. `local:vcf-hash-v1:1536`. */
  readonly embedder: string;
  /** The table's PCA model; null when vectors are stored at the provider's width. */
  readonly pcaModel: { readonly sha256: string; readonly inputDimensions: number; readonly outputDimensions: number } | null;
  readonly metric: "cosine";
}

/** A search result with its provenance. */
export type TracedHit = VariantHit & { readonly provenance: HitProvenance };

/** Options of a search. */
export interface QueryOptions {
  readonly k?: number;
  readonly filters?: readonly (Filter | string)[];
  readonly nprobes?: number;
  readonly refineFactor?: number;
  readonly exact?: boolean;
}

/** What a plan needs to know of one table version: whether it has a vector index, its rows, matches per filter. */
interface PlanFacts {
  readonly version: number | null;
  readonly hasIndex: Promise<boolean>;
  readonly total: Promise<number>;
  /** By compiled predicate. */
  readonly matching: Map<string, Promise<number>>;
}

/** An open table plus the service that embeds queries for it. */
export class VariantSearch {
  private constructor(
    readonly store: VariantStore,
    readonly service: VariantEmbeddingService,
  ) {}

  /**
   * Opens the configured table for searching.
   * @throws VcfAgentError "STORE" when the table does not exist, "PCA" when its model does not fit the provider.
   */
  static async open(config: SessionConfig, deps: { provider?: EmbeddingProvider; store?: VariantStore; tier?: TierKeeper } = {}): Promise<VariantSearch> {
    const store = deps.store ?? (await VariantStore.connect(config.store.uri, { table: config.store.table, readOnly: true, ...storageOf(config) }));
    const provider = await readyProvider(deps.provider ?? createProvider(config.embedding, config.memoryOptimization));
    const ts = await stageForTable(store, provider, config, false);
    const search = new VariantSearch(store, new VariantEmbeddingService(config, { provider, stage: ts.stage }));
    search.tier = deps.tier ?? null;
    return search;
  }

  /**
   * The in-memory search tier kept for this table, or null: queries then always go to
   * LanceDB. A query uses the tier when it is current for the table version the query
   * sees, its filters name only fields the tier holds, and it sets none of `exact`,
   * `nprobes` or `refineFactor` (those ask for LanceDB's search).
   */
  tier: TierKeeper | null = null;

  /** Filtered queries matching at most this many rows run exact; 0 turns that off. */
  exactMaxMatches = EXACT_MAX_MATCHES;

  #facts: PlanFacts | undefined;

  /**
   * The options a query runs with: as given, except for a filtered query on a table with
   * an ANN index and no explicit `nprobes` or `exact`. When at most {@link exactMaxMatches}
   * rows match, the query is exact over them (the scalar indexes find them, every match is
   * scored, recall is 1); otherwise it probes {@link BASE_NPROBES} / selectivity partitions
   * (selectivity = matching rows / all rows).
   * The counts are kept per table version: a query counts only when the table changed
   * since the last one (an append, delete or index build makes a new version).
   */
  async plan(options: QueryOptions = {}): Promise<QueryOptions> {
    const filters = options.filters ?? [];
    if (filters.length === 0 || options.exact !== undefined || options.nprobes !== undefined) return options;
    const facts = await this.#factsNow();
    if (!(await facts.hasIndex)) return options; // no ANN index: the search is exact already
    const key = compileFilters(filters) ?? "";
    let matching = facts.matching.get(key);
    if (matching === undefined) {
      matching = this.store.count(filters);
      facts.matching.set(key, matching);
      // A failed count is not kept: the next query counts again.
      matching.catch(() => facts.matching.delete(key));
    }
    const [m, total] = await Promise.all([matching, facts.total]);
    if (m === 0) return options;
    if (m <= this.exactMaxMatches) return { ...options, exact: true };
    return { ...options, nprobes: Math.ceil((BASE_NPROBES * total) / m) };
  }

  async #factsNow(): Promise<PlanFacts> {
    const version = await this.store.version();
    const current = this.#facts;
    if (current !== undefined && current.version === version) return current;
    const fresh: PlanFacts = {
      version,
      hasIndex: this.store.stats().then((s) => s.indices.some((i) => i.columns.includes("vector"))),
      total: this.store.count(),
      matching: new Map(),
    };
    // A failed look-up is not kept: the next query asks again.
    const forget = (): void => {
      if (this.#facts === fresh) this.#facts = undefined;
    };
    fresh.hasIndex.catch(forget);
    fresh.total.catch(forget);
    this.#facts = fresh;
    return fresh;
  }

  /** What every hit of this table shares in its provenance: embedder, model, metric. */
  get trace(): Omit<HitProvenance, "source" | "line" | "embeddedText"> {
    const model = this.service.outputStage.model;
    return {
      embedder: this.service.provider.id,
      pcaModel: model === undefined ? null : { sha256: modelSha256(model), inputDimensions: model.inputDimensions, outputDimensions: model.outputDimensions },
      metric: "cosine",
    };
  }

  /** The k stored variants nearest to the text, nearest first. */
  async text(query: string, options: QueryOptions = {}): Promise<TracedHit[]> {
    if (query.trim() === "") throw new VcfAgentError("search text is empty", "USAGE");
    const v = await this.service.embed(query);
    return this.#traced(await this.#nearest(v, options));
  }

  /** The k stored variants nearest to a stored one (itself excluded). */
  async similar(variantId: string, options: QueryOptions = {}): Promise<TracedHit[]> {
    const row = await this.store.getById(variantId, { includeVector: true });
    if (row === undefined) {
      throw new VcfAgentError(`variant ${variantId} is not in table ${JSON.stringify(this.store.tableName)} (ids are chrom-pos-ref-alt, e.g. 17-43045712-G-A)`, "USAGE");
    }
    const vector = (row as { vector?: Float32Array }).vector;
    if (vector === undefined) throw new VcfAgentError(`internal: no vector returned for ${variantId}`, "STORE");
    const k = options.k ?? 10;
    const hits = await this.#nearest(vector, { ...options, k: k + 1 });
    return this.#traced(hits.filter((h) => h.variantId !== variantId).slice(0, k));
  }

  /** The k nearest stored variants: from the search tier when it is current and can filter, else from LanceDB as planned. */
  async #nearest(vector: Float32Array, options: QueryOptions): Promise<VariantHit[]> {
    const keeper = this.tier;
    if (keeper !== null && options.exact !== true && options.nprobes === undefined && options.refineFactor === undefined && tierCanFilter(options.filters ?? [])) {
      const k = options.k ?? 10;
      if (!Number.isInteger(k) || k < 1 || k > 10_000) throw new VcfAgentError(`k must be an integer from 1 to 10000, got ${k}`, "USAGE");
      const tier = keeper.forVersion(await this.store.version());
      if (tier !== null && vector.length === tier.summary.dims) {
        keeper.queries.tier++;
        return tier.searchAsync(vector, { ...keeper.tuning, k, filters: options.filters ?? [] });
      }
    }
    if (keeper !== null) keeper.queries.table++;
    return this.store.searchVector(vector, await this.plan(options));
  }

  #traced(hits: readonly VariantHit[]): TracedHit[] {
    const trace = this.trace;
    return hits.map((h) => ({ ...h, provenance: { source: h.source, line: h.sourceLine, embeddedText: h.description, ...trace } }));
  }

  close(): void {
    this.service.close();
  }
}
