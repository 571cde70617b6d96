/**
 * Ingest checkpoints: how many variants of one input file, in file order, are durably in
 * the table. Batches are written in file order and each write is one atomic commit, so
 * after any stop (Ctrl-C, kill -9, a crash) the table holds a prefix of the file; the
 * checkpoint may lag the table by the last write, never lead it. A rerun skips that
 * many variants without embedding them and merges the rest on variant_id, so the table
 * ends up holding exactly the file's variant set.
 *
 * A checkpoint also says whether the table held only this file's rows (`exclusive`) and
 * how many (`tableRows`): when both still hold on a rerun, the table holds exactly the
 * ids of the skipped prefix, and the writer may keep appending instead of merging.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { VcfAgentError } from "../errors.js";
import type { VariantStore } from "../store/index.js";

/** What a checkpoint file records. */
export interface Checkpoint {
  readonly version: 1;
  /** Absolute path of the input. */
  readonly source: string;
  readonly region: string | null;
  /** Identity of the input when the checkpoint was written: size and modification time. */
  readonly size: number;
  readonly mtimeMs: number;
  /** Variants (after splitting, in file order) whose rows are committed. */
  readonly variantsCommitted: number;
  readonly complete: boolean;
  /** Rows in the table after this ingest's last commit (absent in older checkpoints). */
  readonly tableRows?: number;
  /** True when every row of the table came from this file's ingest (absent: unknown, treated as false). */
  readonly exclusive?: boolean;
  readonly updatedAt: string;
}

/** How far an ingest got, as {@link CheckpointStore.save} records it. */
export interface CheckpointProgress {
  readonly variantsCommitted: number;
  readonly complete: boolean;
  readonly tableRows: number;
  readonly exclusive: boolean;
}

/** Identity of an input file, to tell a rerun on the same file from one on a changed file. */
export interface SourceIdentity {
  readonly source: string;
  readonly region: string | null;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The identity of a file input; null for stdin (which cannot be resumed, only re-merged). */
export async function identify(input: string, region: string | undefined): Promise<SourceIdentity | null> {
  if (input === "-") return null;
  const path = resolve(input);
  const st = await stat(path);
  return { source: path, region: region ?? null, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
}

/** Where checkpoint documents are kept, by name. */
interface CheckpointBackend {
  /** The document `name`, or undefined when there is none (or it cannot be read). */
  read(name: string): Promise<string | undefined>;
  /** Replaces `name` atomically. @throws VcfAgentError "STORE" naming where. */
  write(name: string, text: string): Promise<void>;
  remove(name: string): Promise<void>;
}

/**
 * Reads and writes the checkpoints of one table: files in `<db>/<table>.checkpoints/` for a
 * local table, entries of the table's metadata (`checkpoint/<id>`) on object storage, so
 * that whoever opens the table by its URI finds them.
 */
export class CheckpointStore {
  private readonly backend: CheckpointBackend;

  /** Checkpoint files in `<dbDir>/<table>.checkpoints/`, or documents kept by `backend`. */
  constructor(dbDir: string, table: string);
  constructor(backend: CheckpointBackend);
  constructor(where: string | CheckpointBackend, table?: string) {
    this.backend = typeof where === "string" ? fileBackend(join(where, `${table}.checkpoints`)) : where;
  }

  /** The checkpoints of `store`'s table, wherever the table lives. */
  static of(store: VariantStore): CheckpointStore {
    const dir = store.localDirectory;
    if (dir !== null) return new CheckpointStore(dir, store.tableName);
    const meta = store.meta;
    return new CheckpointStore({
      read: (name) => meta.get(`checkpoint/${name}`).then((b) => b?.toString("utf8")),
      write: async (name, text) => {
        try {
          await meta.put(`checkpoint/${name}`, Buffer.from(text, "utf8"));
        } catch (err) {
          throw new VcfAgentError(`cannot write ingest checkpoint ${meta.describe(store.uri, `checkpoint/${name}`)}: ${(err as Error).message}`, "STORE", { cause: err });
        }
      },
      remove: (name) => meta.delete(`checkpoint/${name}`),
    });
  }

  private name(id: SourceIdentity): string {
    return `${createHash("sha256").update(`${id.source}\u0000${id.region ?? ""}`).digest("hex").slice(0, 24)}.json`;
  }

  /** The checkpoint of `id` when it exists and the file is unchanged since; otherwise null. */
  async load(id: SourceIdentity): Promise<Checkpoint | null> {
    const text = await this.backend.read(this.name(id)).catch(() => undefined);
    if (text === undefined) return null;
    try {
      const c = JSON.parse(text) as Checkpoint;
      const same = c.version === 1 && c.source === id.source && c.region === id.region && c.size === id.size && c.mtimeMs === id.mtimeMs;
      return same && Number.isInteger(c.variantsCommitted) && c.variantsCommitted >= 0 ? c : null;
    } catch {
      return null; // a torn or foreign file: start over; merging on variant_id keeps the table exact
    }
  }

  /**
   * Records progress atomically.
   * @throws VcfAgentError "STORE" naming the checkpoint when it cannot be written
   *   (disk full, read-only): the commit it follows stays, and a rerun merges past it.
   */
  async save(id: SourceIdentity, progress: CheckpointProgress): Promise<void> {
    const c: Checkpoint = { version: 1, ...id, ...progress, updatedAt: new Date().toISOString() };
    await this.backend.write(this.name(id), JSON.stringify(c) + "\n");
  }

  /** Forgets the checkpoint of `id` (e.g. before a forced full re-ingest). */
  async clear(id: SourceIdentity): Promise<void> {
    await this.backend.remove(this.name(id));
  }
}

/** Checkpoint files in `dir`, each replaced by a temporary file and a rename. */
function fileBackend(dir: string): CheckpointBackend {
  return {
    read: (name) => readFile(join(dir, name), "utf8").catch(() => undefined),
    write: async (name, text) => {
      const file = join(dir, name);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(tmp, text);
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true }).catch(() => undefined); // a torn temporary file must not linger on a full disk
        throw new VcfAgentError(`cannot write ingest checkpoint ${file}: ${(err as Error).message}`, "STORE", { cause: err });
      }
    },
    remove: (name) => rm(join(dir, name), { force: true }),
  };
}
