/**
 * Streams an ingest request body to a file, in bounded memory, named by its content:
 * `<uploads>/<sha256>/<name>`. Re-sending the same bytes (after an interrupted ingest)
 * finds the file already there and keeps it untouched, so its size and modification
 * time — the identity ingest checkpoints record — still match and the ingest resumes.
 */
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { HttpError } from "./_errors.js";

/** A received upload. */
export interface Upload {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** True when an earlier upload of the same bytes and name was reused. */
  readonly reused: boolean;
}

const PARTIAL = ".partial-";

/**
 * Writes `body` under `dir`, refusing more than `limitBytes` (413, partial file removed).
 * @throws HttpError 413 over the limit, 400 for an empty body.
 */
export async function receiveUpload(body: Readable, dir: string, name: string, limitBytes: number): Promise<Upload> {
  await mkdir(dir, { recursive: true });
  const partial = join(dir, `${PARTIAL}${randomUUID()}`);
  const hash = createHash("sha256");
  let bytes = 0;
  let file: WriteStream | undefined;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limitBytes) {
        // The connection is closed after the 413: the rest of the body is never read.
        done(new HttpError(413, `request body exceeds the ingest limit of ${limitBytes} bytes (serve --max-ingest-bytes)`, { connection: "close" }));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    // Not pipeline(body, …): that would destroy the request on a 413, and the client
    // would see a reset instead of the answer. A client that goes away fails the write.
    const written = pipeline(meter, (file = createWriteStream(partial, { flags: "wx" })));
    body.once("error", (e) => meter.destroy(e));
    body.once("close", () => {
      if (!body.readableEnded) meter.destroy(new HttpError(400, "the client closed the connection before the body ended"));
    });
    body.pipe(meter);
    await written;
  } catch (err) {
    // The file may still be opening when the pipeline fails: removing it before the stream
    // has closed would let the open create it again afterwards.
    if (file !== undefined && !file.closed) {
      file.destroy();
      await once(file, "close").catch(() => undefined);
    }
    await rm(partial, { force: true });
    throw err;
  }
  if (bytes === 0) {
    await rm(partial, { force: true });
    throw new HttpError(400, "body is empty: send the VCF file (plain, gzip or bgzip) as the request body");
  }
  const sha256 = hash.digest("hex");
  const folder = join(dir, sha256);
  const path = join(folder, name);
  const existing = await stat(path).catch(() => null);
  if (existing !== null && existing.size === bytes) {
    await rm(partial, { force: true });
    return { path, bytes, sha256, reused: true };
  }
  await mkdir(folder, { recursive: true });
  await rename(partial, path);
  return { path, bytes, sha256, reused: false };
}

/** Removes partial files a previous process left behind (it stopped mid-upload). */
export async function removePartialUploads(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => n.startsWith(PARTIAL));
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale.length;
}

/** Deletes an upload and its content folder (after a finished ingest). */
export async function removeUpload(upload: Upload): Promise<void> {
  await rm(join(upload.path, ".."), { recursive: true, force: true });
}
