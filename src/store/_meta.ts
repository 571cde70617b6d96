/**
 * Small named values that travel with a variant table — its PCA model, ingest checkpoints —
 * kept as a Lance table beside it (`<table>__meta`: key, value bytes, update time). On
 * object storage they then go wherever the table goes, through the one client and the
 * credentials LanceDB already has, and a second machine that knows only the URI sees them.
 */
import type * as lancedb from "@lancedb/lancedb";
import { Binary, Field, makeData, RecordBatch, Schema, Struct, Table, TimeUnit, Timestamp, Utf8, type Data } from "apache-arrow";
import { VcfAgentError } from "../errors.js";
import { storeError, wrap } from "./_lance-errors.js";
import { sqlLiteral } from "./filters.js";

const SCHEMA = new Schema([
  new Field("key", new Utf8(), false),
  new Field("value", new Binary(), false),
  new Field("updated_at", new Timestamp(TimeUnit.MILLISECOND, "UTC"), false),
]);

/** Attempts of a write that lost a commit race to another writer (merge-inserts are not retried by LanceDB). */
const WRITE_ATTEMPTS = 8;

/** The `<table>__meta` table of one variant table. */
export class MetaTable {
  /** The Lance table's name. */
  readonly name: string;

  constructor(
    private readonly db: lancedb.Connection,
    table: string,
    private readonly where: string,
  ) {
    this.name = `${table}__meta`;
  }

  /** Where `key` lives, for messages: `<uri> table <table>__meta, key <key>`. */
  describe(uri: string, key: string): string {
    return `${uri} (table ${this.name}, key ${key})`;
  }

  /** The value of `key`, or undefined when it was never written. */
  async get(key: string): Promise<Buffer | undefined> {
    const table = await this.open();
    if (table === null) return undefined;
    const result = await wrap(this.where, () => table.query().where(`key = ${sqlLiteral(key)}`).select(["value"]).limit(1).toArrow());
    if (result.numRows === 0) return undefined;
    const v = result.getChild("value")?.get(0) as Uint8Array | null | undefined;
    return v === null || v === undefined ? undefined : Buffer.from(v);
  }

  /** Keys starting with `prefix`. */
  async keys(prefix: string): Promise<string[]> {
    const table = await this.open();
    if (table === null) return [];
    const result = await wrap(this.where, () => table.query().select(["key"]).toArrow());
    const col = result.getChild("key");
    const out: string[] = [];
    for (let i = 0; i < result.numRows; i++) {
      const k = String(col?.get(i));
      if (k.startsWith(prefix)) out.push(k);
    }
    return out;
  }

  /** Sets `key` to `value` in one commit (created with the table on first use); retried when another writer committed first. */
  async put(key: string, value: Uint8Array): Promise<void> {
    const data = row(key, value);
    for (let attempt = 1; ; attempt++) {
      try {
        const table = await this.open();
        if (table === null) {
          await this.db.createTable(this.name, data, { mode: "create" });
        } else {
          await table.mergeInsert("key").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
        }
        return;
      } catch (e) {
        if (attempt >= WRITE_ATTEMPTS) throw storeError(`${this.where} (table ${this.name}, key ${key})`, e);
        // Another writer created the table or committed a version first: look again and retry.
        await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
      }
    }
  }

  /** Removes `key` (no-op when absent). */
  async delete(key: string): Promise<void> {
    const table = await this.open();
    if (table !== null) await wrap(this.where, () => table.delete(`key = ${sqlLiteral(key)}`));
  }

  /**
   * The table, or null when it holds nothing yet: absent, or listed without a committed
   * version. On object storage another process's `createTable` lists the table as soon as
   * its first files are written, before its first version is committed; opening it then
   * fails with "Dataset … was not found … _versions". Until that commit it holds no key.
   */
  private async open(): Promise<lancedb.Table | null> {
    const names = await wrap(this.where, () => this.db.tableNames());
    if (!names.includes(this.name)) return null;
    try {
      return await this.db.openTable(this.name);
    } catch (e) {
      if (e instanceof Error && /was not found/.test(e.message) && /_versions/.test(e.message)) return null;
      throw storeError(this.where, e);
    }
  }
}

/** One (key, value, now) row as an Arrow table. */
function row(key: string, value: Uint8Array): Table {
  if (key.length === 0) throw new VcfAgentError("metadata key is empty", "STORE");
  const keyBytes = Buffer.from(key, "utf8");
  const children: Data[] = [
    makeData({ type: new Utf8(), length: 1, valueOffsets: Int32Array.of(0, keyBytes.length), data: new Uint8Array(keyBytes) }),
    makeData({ type: new Binary(), length: 1, valueOffsets: Int32Array.of(0, value.length), data: new Uint8Array(value) }),
    makeData({ type: new Timestamp(TimeUnit.MILLISECOND, "UTC"), length: 1, data: BigInt64Array.of(BigInt(Date.now())) }),
  ];
  const data = makeData({ type: new Struct(SCHEMA.fields), length: 1, nullCount: 0, children });
  return new Table([new RecordBatch(SCHEMA, data)]);
}
