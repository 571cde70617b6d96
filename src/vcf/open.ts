/**
 * Input → decompressed byte chunks. Compression is detected from magic bytes; gzip and
 * BGZF (multi-member gzip) are inflated by node:zlib on the libuv threadpool, so
 * decompression overlaps parsing on another core.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable, pipeline, type TransformOptions } from "node:stream";
import { createGunzip, type ZlibOptions } from "node:zlib";
import { VcfAgentError, VcfFormatError } from "../errors.js";
import { SNIFF_BYTES, sniffCompression, type Compression } from "./sniff.js";

/** Read size for files: large reads mean few chunks and few event-loop turns per MiB. */
export const READ_CHUNK_BYTES = 1 << 20;

/** Decompressed bytes of one input, consumed once. */
export interface ByteSource {
  /** Display name used in messages (`<stdin>` for `-`). */
  readonly source: string;
  readonly compression: Compression;
  /** Size of the input in bytes; undefined for streams. */
  readonly totalBytes: number | undefined;
  /** Raw (possibly compressed) bytes consumed from the input so far. */
  readonly bytesRead: number;
  /**
   * Decompressed chunks. `lastLine` tells the source how many lines the consumer has
   * completed, so a truncated or corrupt stream can say where it broke.
   */
  chunks(lastLine: () => number, signal?: AbortSignal): AsyncIterable<Buffer>;
  /** Releases the file descriptor / stream; safe to call twice. */
  close(): void;
}

/**
 * Opens a file path (or `-` for stdin) as a {@link ByteSource}.
 * Missing files and directories raise a `VCF_IO` {@link VcfAgentError} naming the path.
 */
export async function openPathBytes(input: string): Promise<ByteSource> {
  if (input === "-") return openStreamBytes(process.stdin, "<stdin>");
  let size: number | undefined;
  try {
    const st = await stat(input);
    if (st.isDirectory()) throw new VcfAgentError(`${input}: is a directory, not a VCF file`, "VCF_IO");
    // Pipes and process substitutions (`<(zcat …)`) report size 0: only a regular file has a size.
    size = st.isFile() ? st.size : undefined;
  } catch (err) {
    if (err instanceof VcfAgentError) throw err;
    throw ioError(input, err);
  }
  if (size === 0) throw new VcfFormatError(input, undefined, "empty file (0 bytes)");
  return openStreamBytes(createReadStream(input, { highWaterMark: READ_CHUNK_BYTES }), input, size);
}

/**
 * Wraps any byte stream (stdin, a network body, a test fixture) as a {@link ByteSource}.
 * Reads just enough to sniff the compression before returning.
 */
export async function openStreamBytes(readable: Readable, name: string, totalBytes?: number): Promise<ByteSource> {
  const raw = readable[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  try {
    while (headBytes < SNIFF_BYTES) {
      const r = await raw.next();
      if (r.done) {
        ended = true;
        break;
      }
      const buf = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
      head.push(buf);
      headBytes += buf.length;
    }
  } catch (err) {
    readable.destroy();
    throw ioError(name, err);
  }
  if (headBytes === 0) {
    readable.destroy();
    throw new VcfFormatError(name, undefined, "empty file (0 bytes)");
  }
  const sniffed = sniffCompression(Buffer.concat(head, headBytes));
  if (sniffed.kind === "unsupported") {
    readable.destroy();
    throw new VcfFormatError(name, undefined, sniffed.reason);
  }
  return new StreamByteSource(name, sniffed.compression, totalBytes, readable, raw, head, ended);
}

class StreamByteSource implements ByteSource {
  bytesRead = 0;
  private used = false;
  constructor(
    readonly source: string,
    readonly compression: Compression,
    readonly totalBytes: number | undefined,
    private readonly readable: Readable,
    private readonly raw: AsyncIterator<Buffer | string>,
    private readonly head: Buffer[],
    private readonly ended: boolean,
  ) {}

  chunks(lastLine: () => number, signal?: AbortSignal): AsyncIterable<Buffer> {
    if (this.used) throw new VcfAgentError(`${this.source}: input already consumed`, "USAGE");
    this.used = true;
    return this.compression === "plain" ? this.rawChunks(signal) : this.inflated(lastLine, signal);
  }

  close(): void {
    this.readable.destroy();
  }

  private async *rawChunks(signal?: AbortSignal): AsyncGenerator<Buffer> {
    for (const buf of this.head) {
      this.bytesRead += buf.length;
      yield buf;
    }
    if (this.ended) return;
    for (;;) {
      signal?.throwIfAborted();
      let r: IteratorResult<Buffer | string>;
      try {
        r = await this.raw.next();
      } catch (err) {
        throw ioError(this.source, err);
      }
      if (r.done) return;
      const buf = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
      this.bytesRead += buf.length;
      yield buf;
    }
  }

  private async *inflated(lastLine: () => number, signal?: AbortSignal): AsyncGenerator<Buffer> {
    // Output chunks of 1 MiB and a deep read-ahead keep the threadpool busy while we parse.
    // zlib streams pass stream options on to Transform; @types/node only lists the zlib ones.
    const opts: ZlibOptions & TransformOptions = { chunkSize: READ_CHUNK_BYTES, readableHighWaterMark: 4 * READ_CHUNK_BYTES };
    const gunzip = createGunzip(opts);
    const src = Readable.from(this.rawChunks(signal), { objectMode: false, highWaterMark: READ_CHUNK_BYTES });
    pipeline(src, gunzip, () => {
      // Errors surface through the iteration below; nothing to do here.
    });
    try {
      for await (const chunk of gunzip) {
        signal?.throwIfAborted();
        yield chunk as Buffer;
      }
    } catch (err) {
      throw this.inflateError(err, lastLine());
    } finally {
      src.destroy();
      gunzip.destroy();
    }
  }

  private inflateError(err: unknown, line: number): unknown {
    if (err instanceof VcfAgentError || (err instanceof Error && err.name === "AbortError")) return err;
    const code = (err as { code?: unknown }).code;
    const after = line > 0 ? `; last complete line was ${line}` : "";
    if (code === "Z_BUF_ERROR") {
      return new VcfFormatError(this.source, undefined, `${this.compression} stream is truncated (unexpected end of file)${after}`, { cause: err });
    }
    if (typeof code === "string" && code.startsWith("Z_")) {
      const msg = err instanceof Error ? err.message : String(err);
      return new VcfFormatError(this.source, undefined, `corrupt ${this.compression} data (${msg})${after}`, { cause: err });
    }
    return ioError(this.source, err);
  }
}

function ioError(source: string, err: unknown): VcfAgentError {
  if (err instanceof VcfAgentError) return err;
  const code = (err as { code?: unknown }).code;
  const detail = code === "ENOENT" ? "no such file" : err instanceof Error ? err.message : String(err);
  return new VcfAgentError(`${source}: ${detail}`, "VCF_IO", { cause: err });
}
