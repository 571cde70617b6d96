/**
 * {@link VariantStore}: variants and their vectors in one LanceDB table — idempotent
 * batch writes keyed by variant_id, filtered cosine search, indexes and stats.
 */
import { readdir, rm } from "node:fs/promises";
import * as path from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { VcfAgentError } from "../errors.js";
import { storeError, wrap } from "./_lance-errors.js";
import { countValues, indexSummaries, scanIds, storedAmong } from "./_scans.js";
import { checkDbDirectory, directoryBytes, localPath } from "./_disk.js";
import { NativeWrites } from "./_native-write.js";
import { readPcaSummary, summarizeModelBytes, type PcaModelSummary } from "../reduce/model-file.js";
import { MetaTable } from "./_meta.js";
import { toVariants } from "./_rows.js";
import { prepareBatch } from "./batch.js";
import { DEFAULT_DB_URI, DEFAULT_TABLE, DEFAULT_REFINE_FACTOR, DEFAULT_METADATA_CACHE_MB, DEFAULT_INDEX_CACHE_MB, MAX_LOOKUP_IDS, type ConnectOptions, type AddBatchOptions, type AddBatchResult, type SearchOptions, type IndexSummary, type StoreStats, type VectorIndexResult } from "./options.js";
import { compileFilters, sqlLiteral, type Filter } from "./filters.js";
import {
  MIN_ROWS_FOR_PQ,
  SCALAR_INDEXES,
  chooseVectorIndexShape,
  scalarIndexConfig,
  vectorIndexConfig,
  type VectorIndexOptions,
  type VectorIndexShape,
} from "./indexes.js";
import { METADATA_COLUMNS, VECTOR_COLUMN, readVectorWidth, type MetadataColumn, type StoredVariant, type VariantHit, type VariantRows } from "./schema.js";

const MiB = 1024 * 1024;
/** Key of the PCA model in {@link VariantStore.meta} (object-store tables). */
export const PCA_KEY = "pca";
const TABLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * A LanceDB table of variants: one row per variant_id, one vector width per table.
 * Writes are serialized within one store object, and each write is one atomic commit.
 * @example
 * const store = await VariantStore.connect("./vcf-agent-db");
 * await store.addBatch(rows);                              // idempotent on variant_id
 * const hits = await store.searchVector(query, { k: 5, filters: ["gene=BRCA1", "af<0.01"] });
 */
export class VariantStore {
  /** The database URI as given. */
  readonly uri: string;
  /** The table name. */
  readonly tableName: string;
  readonly #db: lancedb.Connection;
  readonly #dir: string | null;
  readonly #readOnly: boolean;
  #table: lancedb.Table | null;
  #dims: number | null;
  #writes: Promise<unknown> = Promise.resolve();
  /** The table directory exists without a committed version: the first write clears it. */
  #replaceUncommitted = false;
  /** Optional columns the table lacks (written before they existed); writes and reads leave them out. */
  #absent: ReadonlySet<string> = new Set();
  #meta: MetaTable | undefined;
  readonly #native = new NativeWrites();

  private constructor(uri: string, name: string, db: lancedb.Connection, dir: string | null, readOnly: boolean, table: lancedb.Table | null, dims: number | null) {
    this.uri = uri;
    this.tableName = name;
    this.#db = db;
    this.#dir = dir;
    this.#readOnly = readOnly;
    this.#table = table;
    this.#dims = dims;
  }

  /**
   * Opens (or prepares to create) the variant table of a database. A local path that is
   * a regular file, lies below one, or cannot be written is refused before anything is written.
   * @param uri local directory, `file://` URL or any LanceDB URI (`s3://bucket/path`, …)
   * @throws VcfAgentError code "STORE" naming the path; code "USAGE" for a bad table name.
   */
  static async connect(uri: string = DEFAULT_DB_URI, options: ConnectOptions = {}): Promise<VariantStore> {
    const name = options.table ?? DEFAULT_TABLE;
    if (!TABLE_NAME.test(name)) {
      throw new VcfAgentError(`table name ${JSON.stringify(name)}: use letters, digits, _, - and . only`, "USAGE");
    }
    const readOnly = options.readOnly ?? false;
    const dir = localPath(uri);
    if (dir !== null) await checkDbDirectory(dir, readOnly);
    const where = `vector store ${uri}`;
    const db = await wrap(where, () =>
      lancedb.connect(dir ?? uri, {
        ...(options.storageOptions === undefined ? {} : { storageOptions: options.storageOptions }),
        ...(options.readConsistencySeconds === undefined ? {} : { readConsistencyInterval: options.readConsistencySeconds }),
        session: new lancedb.Session(
          BigInt(Math.round((options.indexCacheMb ?? DEFAULT_INDEX_CACHE_MB) * MiB)),
          BigInt(Math.round((options.metadataCacheMb ?? DEFAULT_METADATA_CACHE_MB) * MiB)),
        ),
      }),
    );
    const names = await wrap(where, () => db.tableNames());
    let table: lancedb.Table | null = null;
    let dims: number | null = null;
    let absent: ReadonlySet<string> = new Set();
    // A table directory without a committed version is what a write that created the table
    // left when it was killed or failed (disk full): it holds no row, so the table is absent.
    const uncommitted = dir !== null && names.includes(name) && !(await hasCommittedVersion(dir, name));
    if (names.includes(name) && !uncommitted) {
      table = await wrap(where, () => db.openTable(name));
      const width = await widthOf(table, `table ${JSON.stringify(name)} in ${uri}`);
      dims = width.dims;
      absent = width.absent;
    }
    const store = new VariantStore(uri, name, db, dir, readOnly, table, dims);
    store.#replaceUncommitted = uncommitted;
    store.#absent = absent;
    return store;
  }

  /** Vector width of the table, or null before the first batch creates it. */
  get dims(): number | null {
    return this.#dims;
  }

  /**
   * Where the PCA model of this table belongs (`<db>/<table>.pca`, the reduce module's
   * file format), so that queries are projected with the model the stored vectors were;
   * null for object stores.
   */
  get pcaModelPath(): string | null {
    return this.#dir === null ? null : path.join(this.#dir, `${this.tableName}.pca`);
  }

  /**
   * Named values that travel with the table in its store (PCA model, checkpoints on object
   * storage; local tables keep them as files beside the table instead).
   */
  get meta(): MetaTable {
    return (this.#meta ??= new MetaTable(this.#db, this.tableName, this.#where()));
  }

  /** The database directory for local URIs (checkpoints live there too); null for object stores. */
  get localDirectory(): string | null {
    return this.#dir;
  }

  /**
   * Writes one batch in one commit. Rows whose variant_id is already stored are skipped
   * (or updated, see {@link AddBatchOptions.onConflict}), so re-ingesting a file adds nothing.
   * The first batch creates the table and fixes its width.
   * @throws VcfAgentError code "STORE" when the batch's width differs from the table's
   *   (nothing is written), a column is malformed, or the write fails.
   */
  addBatch(rows: VariantRows, options: AddBatchOptions = {}): Promise<AddBatchResult> {
    const run = this.#writes.then(() => this.#add(rows, options));
    this.#writes = run.catch(() => undefined);
    return run;
  }

  async #add(rows: VariantRows, options: AddBatchOptions): Promise<AddBatchResult> {
    const where = this.#where();
    if (this.#readOnly) throw new VcfAgentError(`${where}: opened read-only; cannot add rows`, "STORE");
    if (this.#dims !== null && rows.dims !== this.#dims) {
      throw new VcfAgentError(
        `${where} stores ${this.#dims}-d vectors; this batch has ${rows.dims}-d vectors (one table holds one width; use another table for another width)`,
        "STORE",
      );
    }
    const existing = this.#table;
    const candidates = options.mayBeStored;
    const stored =
      existing !== null && candidates !== undefined && candidates.length <= MAX_LOOKUP_IDS && options.onConflict !== "update"
        ? await storedAmong(existing, candidates, where)
        : undefined;
    const batch = prepareBatch(rows, where, stored, this.#absent);
    const base = { duplicatesInBatch: batch.duplicatesInBatch };
    if (batch.rows === 0) {
      const version = this.#table === null ? 0 : await wrap(where, () => (this.#table as lancedb.Table).version());
      return { ...base, inserted: 0, updated: 0, skipped: batch.alreadyStored, version, method: "none" };
    }
    if (this.#table === null) {
      const created = await this.#tryCreate(batch.table, where);
      if (created !== null) {
        this.#table = created;
        this.#dims = rows.dims;
        const version = await wrap(where, () => created.version());
        return { ...base, inserted: batch.rows, updated: 0, skipped: 0, version, method: "create" };
      }
      // Another writer created it meanwhile: check its width, then merge.
      this.#table = await wrap(where, () => this.#db.openTable(this.tableName));
      const width = await widthOf(this.#table, where);
      this.#dims = width.dims;
      if (width.absent.size > 0) {
        this.#absent = width.absent;
        return this.#add(rows, options);
      }
      if (this.#dims !== rows.dims) return this.#add(rows, options);
    }
    const table = this.#table;
    // An empty table cannot hold a matching id, so the cheaper plain append is exact.
    if (stored !== undefined || options.knownNew === true || (await wrap(where, () => table.countRows())) === 0) {
      const r = await wrap(where, () => this.#native.append(table, batch.table));
      return { ...base, inserted: batch.rows, updated: 0, skipped: batch.alreadyStored, version: r.version, method: "append" };
    }
    const r = await wrap(where, () => this.#native.merge(table, batch.table, "variant_id", options.onConflict === "update"));
    return {
      ...base,
      inserted: r.numInsertedRows,
      updated: r.numUpdatedRows,
      skipped: batch.rows - r.numInsertedRows - r.numUpdatedRows,
      version: r.version,
      method: "merge",
    };
  }

  async #tryCreate(data: import("apache-arrow").Table, where: string): Promise<lancedb.Table | null> {
    try {
      if (this.#replaceUncommitted && this.#dir !== null) {
        // Nothing in it was ever committed (checked at connect): clear it so the create starts clean.
        await rm(path.join(this.#dir, `${this.tableName}.lance`), { recursive: true, force: true });
        this.#replaceUncommitted = false;
      }
      return await this.#db.createTable(this.tableName, data, { mode: "create" });
    } catch (e) {
      // Only a table another writer committed meanwhile means "merge into it"; any other
      // failure (disk full, read-only) is reported as itself.
      if (this.#dir !== null && !(await hasCommittedVersion(this.#dir, this.tableName))) throw storeError(where, e);
      const names = await wrap(where, () => this.#db.tableNames());
      if (names.includes(this.tableName)) return null;
      throw storeError(where, e);
    }
  }

  /**
   * Creates the table with no rows at width `dims` when it does not exist yet, so that writers
   * started afterwards (the workers of one sharded ingest) all append to it and none creates it.
   */
  async createEmpty(dims: number): Promise<void> {
    if (this.#table !== null) return;
    const where = this.#where();
    const empty = { variantId: [], chrom: [], pos: [], ref: [], alt: [], id: [], filter: [], description: [], vectors: new Float32Array(0), dims, source: "" };
    const table = (await this.#tryCreate(prepareBatch(empty, where).table, where)) ?? (await wrap(where, () => this.#db.openTable(this.tableName)));
    this.#table = table;
    this.#dims = (await widthOf(table, where)).dims;
  }

  /** Rows stored, optionally only those matching all `filters`. */
  async count(filters?: readonly (Filter | string)[]): Promise<number> {
    const predicate = compileFilters(filters);
    const table = this.#table;
    if (table === null) return 0;
    return wrap(this.#where(), () => table.countRows(predicate));
  }

  /**
   * Calls `onId` with every stored variant_id (of the rows matching `filters`, when given),
   * streamed a batch at a time (no list of all ids is built). Waits for writes already started.
   * @returns how many ids were read.
   */
  async forEachId(onId: (id: string) => void, filters?: readonly (Filter | string)[]): Promise<number> {
    await this.#writes;
    const table = this.#table;
    if (table === null) return 0;
    return scanIds(table, onId, this.#where(), filters === undefined || filters.length === 0 ? undefined : compileFilters(filters));
  }

  /**
   * The most frequent values of each of `columns`, most frequent first (nulls left out), from
   * one streaming scan of those columns: what a caller may filter on. A column the table lacks
   * (written before it existed) has none.
   * @throws VcfAgentError code "USAGE" for a name that is not a metadata column.
   */
  async valueCounts(columns: readonly MetadataColumn[], limit = 10): Promise<Map<MetadataColumn, { value: string; count: number }[]>> {
    const unknown = columns.find((c) => !(METADATA_COLUMNS as readonly string[]).includes(c));
    if (unknown !== undefined) throw new VcfAgentError(`not a metadata column: ${JSON.stringify(unknown)}`, "USAGE");
    await this.#writes;
    const table = this.#table;
    const present = table === null ? [] : columns.filter((c) => !this.#absent.has(c));
    const found = table === null ? new Map() : await countValues(table, present, limit, this.#where());
    return new Map(columns.map((c) => [c, found.get(c) ?? []]));
  }

  /** The table's current version (each commit makes one), or null before the table exists. */
  async version(): Promise<number | null> {
    const table = this.#table;
    return table === null ? null : wrap(this.#where(), () => table.version());
  }

  /**
   * The k stored variants nearest to `vector` by cosine distance, nearest first, among
   * those matching `filters` (applied before the search, so k hits come back when k match).
   * @throws VcfAgentError code "USAGE" for a bad filter or k; "STORE" for a vector of another width.
   */
  async searchVector(vector: Float32Array, options: SearchOptions = {}): Promise<VariantHit[]> {
    const k = options.k ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > 10_000) throw new VcfAgentError(`k must be an integer from 1 to 10000, got ${k}`, "USAGE");
    const predicate = compileFilters(options.filters);
    const table = this.#table;
    if (table === null) return [];
    const where = this.#where();
    if (vector.length !== this.#dims) {
      throw new VcfAgentError(`${where} stores ${String(this.#dims)}-d vectors; the query vector has ${vector.length}`, "STORE");
    }
    const withVector = options.includeVector ?? false;
    let q = table
      .vectorSearch(vector)
      .distanceType("cosine")
      .limit(k)
      .select([...this.#readColumns(), ...(withVector ? [VECTOR_COLUMN] : []), "_distance"]);
    if (predicate !== undefined) q = q.where(predicate);
    if (options.exact === true) q = q.bypassVectorIndex();
    else {
      if (options.nprobes !== undefined) q = q.nprobes(positiveInt("nprobes", options.nprobes));
      const refine = options.refineFactor ?? DEFAULT_REFINE_FACTOR;
      // 0 means "no re-ranking": the raw ANN order (fastest, lowest recall).
      if (refine !== 0) q = q.refineFactor(positiveInt("refineFactor", refine));
    }
    const result = await wrap(where, () => q.toArrow());
    return toVariants(result, withVector);
  }

  /**
   * Every row of the current table version with its vector, a batch at a time (what the
   * in-memory search tier loads), from a handle checked out at that version so that commits
   * made meanwhile do not mix in. Null before the table exists.
   */
  async snapshotRows(): Promise<{ version: number; rows: number; dims: number; batches: AsyncIterable<{ rows: StoredVariant[]; vectors: Float32Array }> } | null> {
    if (this.#table === null || this.#dims === null) return null;
    const where = this.#where();
    const table = await wrap(where, () => this.#db.openTable(this.tableName));
    const version = await wrap(where, () => table.version());
    await wrap(where, () => table.checkout(version));
    const rows = await wrap(where, () => table.countRows());
    const dims = this.#dims;
    const columns = [...this.#readColumns(), VECTOR_COLUMN];
    async function* batches(): AsyncGenerator<{ rows: StoredVariant[]; vectors: Float32Array }> {
      try {
        for await (const batch of table.query().select(columns)) {
          const n = batch.numRows;
          if (n === 0) continue;
          const list = batch.getChild(VECTOR_COLUMN);
          if (list === null) throw new VcfAgentError(`${where}: has no vector column`, "STORE");
          const data = list.data[0] as unknown as { offset: number; children: { offset: number; values: Float32Array }[] };
          const child = data.children[0]!;
          const start = child.offset + data.offset * dims;
          const vectors = child.values.slice(start, start + n * dims);
          if (vectors.length !== n * dims || list.data.length !== 1) throw new VcfAgentError(`${where}: vector column batch is not ${n} × ${dims} floats`, "STORE");
          const hits = toVariants(batch, false);
          yield { rows: hits.map(({ distance: _d, ...r }) => r), vectors };
        }
      } finally {
        table.close();
      }
    }
    return { version, rows, dims, batches: batches() };
  }

  /** The stored variant with this id (with its vector unless asked not to), or undefined. */
  async getById(variantId: string, options: { includeVector?: boolean } = {}): Promise<StoredVariant | undefined> {
    const table = this.#table;
    if (table === null) return undefined;
    const withVector = options.includeVector ?? true;
    const q = table
      .query()
      .where(`variant_id = ${sqlLiteral(variantId)}`)
      .select([...this.#readColumns(), ...(withVector ? [VECTOR_COLUMN] : [])])
      .limit(1);
    const rows = toVariants(await wrap(this.#where(), () => q.toArrow()), withVector);
    const hit = rows[0];
    if (hit === undefined) return undefined;
    const { distance: _distance, ...variant } = hit;
    return variant;
  }

  /**
   * Builds (or rebuilds) the scalar indexes that make filters and id look-ups fast:
   * BTREE on variant_id, pos, gene, af; BITMAP on chrom, clinical_significance, consequence.
   * @returns the names of the indexes built.
   */
  async createScalarIndexes(): Promise<string[]> {
    const table = this.#requireTable("create scalar indexes");
    const where = this.#where();
    const built: string[] = [];
    for (const { column, kind } of SCALAR_INDEXES) {
      await wrap(`${where}: ${kind} index on ${column}`, () => table.createIndex(column, { config: scalarIndexConfig(kind), replace: true }));
      built.push(`${column}_idx`);
    }
    return built;
  }

  /**
   * Builds the ANN index on the vector column (IVF_RQ by default, cosine). Sizes default
   * to {@link chooseVectorIndexShape}. Building takes minutes on large tables: pass
   * `onProgress` to show it. Rows added later are searched exactly until the index is rebuilt.
   * @throws VcfAgentError code "STORE" when the table is too small to train the index.
   */
  async createVectorIndex(options: VectorIndexOptions = {}): Promise<VectorIndexResult> {
    const table = this.#requireTable("create a vector index");
    const where = this.#where();
    const rows = await wrap(where, () => table.countRows());
    const shape = chooseVectorIndexShape(rows, this.#dims as number, options);
    if (shape.type === "ivf_pq" && rows < MIN_ROWS_FOR_PQ) {
      throw new VcfAgentError(
        `${where} has ${rows} rows; an IVF_PQ index needs at least ${MIN_ROWS_FOR_PQ} to train (exact search is fast at this size)`,
        "STORE",
      );
    }
    const name = `${VECTOR_COLUMN}_idx`;
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    const report = options.onProgress;
    const timer = report === undefined ? undefined : setInterval(() => report({ index: name, phase: "building", elapsedSeconds: elapsed(), rows }), 1000);
    try {
      report?.({ index: name, phase: "building", elapsedSeconds: 0, rows });
      await wrap(`${where}: ${shape.type} index`, () =>
        table.createIndex(VECTOR_COLUMN, { config: vectorIndexConfig(shape), replace: options.replace ?? true }),
      );
    } finally {
      if (timer !== undefined) clearInterval(timer);
    }
    const seconds = elapsed();
    report?.({ index: name, phase: "done", elapsedSeconds: seconds, rows });
    return { ...shape, name, rows, seconds };
  }

  /** Rows, width, bytes on disk, indexes and the PCA model's metadata, all read now. */
  async stats(): Promise<StoreStats> {
    const where = this.#where();
    const pcaModel = this.pcaModelPath === null ? await this.#remoteModelSummary() : await readPcaSummary(this.pcaModelPath);
    const table = this.#table;
    if (table === null) {
      return { uri: this.uri, table: this.tableName, exists: false, rows: 0, dims: null, version: null, bytesOnDisk: 0, indices: [], pcaModel };
    }
    const tableDir = this.#dir === null ? null : path.join(this.#dir, `${this.tableName}.lance`);
    const [rows, version, configs] = await Promise.all([
      wrap(where, () => table.countRows()),
      wrap(where, () => table.version()),
      wrap(where, () => table.listIndices()),
    ]);
    const indices = await indexSummaries(table, configs, rows, tableDir, where);
    const bytesOnDisk = tableDir === null ? ("unknown" as const) : await directoryBytes(tableDir);
    return { uri: this.uri, table: this.tableName, exists: true, rows, dims: this.#dims, version, bytesOnDisk, indices, pcaModel };
  }

  /** Releases the table and connection handles. The store cannot be used afterwards. */
  close(): void {
    this.#table?.close();
    this.#db.close();
  }

  async #remoteModelSummary(): Promise<PcaModelSummary | null> {
    const bytes = await this.meta.get(PCA_KEY);
    return bytes === undefined ? null : summarizeModelBytes(bytes, this.meta.describe(this.uri, PCA_KEY));
  }

  /** The metadata columns this table has (a table written before an optional column existed lacks it). */
  #readColumns(): readonly string[] {
    return this.#absent.size === 0 ? METADATA_COLUMNS : METADATA_COLUMNS.filter((c) => !this.#absent.has(c));
  }

  #requireTable(action: string): lancedb.Table {
    if (this.#table === null) throw new VcfAgentError(`${this.#where()} does not exist yet; add variants before trying to ${action}`, "STORE");
    return this.#table;
  }

  #where(): string {
    return `table ${JSON.stringify(this.tableName)} in ${this.uri}`;
  }
}

/** Vector width of an opened table; refuses a table that is not a variant table. */
async function widthOf(table: lancedb.Table, where: string): Promise<{ dims: number; absent: ReadonlySet<string> }> {
  const width = readVectorWidth(await wrap(where, () => table.schema()));
  if ("problem" in width) throw new VcfAgentError(`${where} is not a vcf-agent variant table: ${width.problem}`, "STORE");
  return width;
}

function positiveInt(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new VcfAgentError(`${option} must be a positive integer, got ${value}`, "USAGE");
  return value;
}

/** True when `<dir>/<table>.lance/_versions` holds a manifest: at least one commit happened. */
async function hasCommittedVersion(dir: string, table: string): Promise<boolean> {
  const names = await readdir(path.join(dir, `${table}.lance`, "_versions")).catch(() => [] as string[]);
  return names.some((n) => n.endsWith(".manifest"));
}

