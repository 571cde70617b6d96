/**
 * Inputs: plain, gzip, multi-member gzip and bgzip of the same content give the same
 * variants; compression is detected from bytes, not names; stdin; and inputs that are
 * not VCF text (empty, truncated, corrupt, binary, BCF, bzip2/xz/zstd) fail with a
 * VcfFormatError that names the file.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { VcfAgentError, VcfFormatError } from "../src/errors.js";
import { openVcf, openVcfStream, sniffCompression } from "../src/vcf/index.js";
import { CONFORMANCE, DATA, readAll, scratchDir } from "./_vcf-corpus.js";

const dir = scratchDir();
const plain = path.join(dir, "gen.vcf");
const files: Record<string, string> = {};

beforeAll(() => {
  // ~1.6 MB of text: several 1 MiB read chunks and about 25 BGZF blocks.
  const text = execFileSync("python3", [path.join(DATA, "../tools/gen_vcf.py"), "--n", "10000", "--seed", "5"], { maxBuffer: 64 << 20 });
  writeFileSync(plain, text);
  files.plain = plain;
  files.gzip = path.join(dir, "gen.gzip.vcf"); // misleading name on purpose: detection is by bytes
  writeFileSync(files.gzip, execFileSync("gzip", ["-c", plain], { maxBuffer: 64 << 20 }));
  files.bgzip = path.join(dir, "gen.bgzip.gz");
  writeFileSync(files.bgzip, execFileSync("bgzip", ["-c", plain], { maxBuffer: 64 << 20 }));
  // Three independent gzip members, split mid-line: a reader must continue across members.
  const third = Math.floor(text.length / 3) + 17;
  files.members = path.join(dir, "gen.members.vcf.gz");
  writeFileSync(files.members, Buffer.concat([gzipSync(text.subarray(0, third)), gzipSync(text.subarray(third, 2 * third)), gzipSync(text.subarray(2 * third))]));
});

async function ids(file: string): Promise<string[]> {
  const r = await readAll(file);
  if (!r.ok) throw r.error;
  return r.sites;
}

async function failure(file: string): Promise<VcfFormatError> {
  const r = await readAll(file);
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error("unreachable");
  expect(r.error).toBeInstanceOf(VcfFormatError);
  return r.error as VcfFormatError;
}

describe("compression", () => {
  it("detects plain, gzip and bgzf from magic bytes", () => {
    expect(sniffCompression(readFileSync(files.plain as string).subarray(0, 18))).toEqual({ kind: "ok", compression: "plain" });
    expect(sniffCompression(readFileSync(files.gzip as string).subarray(0, 18))).toEqual({ kind: "ok", compression: "gzip" });
    expect(sniffCompression(readFileSync(files.bgzip as string).subarray(0, 18))).toEqual({ kind: "ok", compression: "bgzf" });
  });

  it("gives the same variants for plain, gzip, multi-member gzip and bgzip", async () => {
    const expected = await ids(files.plain as string);
    expect(expected.length).toBeGreaterThan(10_000); // multi-allelic sites add variants
    for (const kind of ["gzip", "members", "bgzip"]) expect(await ids(files[kind] as string)).toEqual(expected);
  });

  it("cuts batches to the requested size across chunk boundaries", async () => {
    const reader = await openVcf(files.bgzip as string);
    const sizes: number[] = [];
    for await (const batch of reader.batches(333)) sizes.push(batch.length);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total).toBe(reader.stats.variants);
    expect(sizes.slice(0, -1).every((s) => s === 333)).toBe(true);
    expect(sizes.at(-1)).toBe(total % 333 || 333);
  });

  it("counts compressed bytes read against the file size", async () => {
    const reader = await openVcf(files.bgzip as string);
    for await (const batch of reader.batches(1000)) void batch;
    expect(reader.stats.totalBytes).toBe(readFileSync(files.bgzip as string).length);
    expect(reader.stats.bytesRead).toBe(reader.stats.totalBytes);
  });

  it("reports a truncated gzip stream with the last complete line", async () => {
    const whole = readFileSync(files.bgzip as string);
    const cut = path.join(dir, "truncated.vcf.gz");
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const variants: string[] = [];
    let error: unknown;
    try {
      const reader = await openVcf(cut);
      for await (const v of reader) variants.push(v.variantId);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VcfFormatError);
    const err = error as VcfFormatError;
    expect(err.message).toMatch(new RegExp(`^${escapeRe(cut)}: bgzf stream is truncated \\(unexpected end of file\\); last complete line was \\d+$`));
    expect(variants.length).toBeGreaterThan(1000); // what came before the cut was delivered
  });

  it("reports corrupt gzip data (bad CRC-32 in the trailer)", async () => {
    const whole = Buffer.from(readFileSync(files.gzip as string));
    whole[whole.length - 8] = (whole[whole.length - 8] ?? 0) ^ 0xff;
    const bad = path.join(dir, "corrupt.vcf.gz");
    writeFileSync(bad, whole);
    const err = await failure(bad);
    expect(err.message).toMatch(new RegExp(`^${escapeRe(bad)}: corrupt gzip data \\(incorrect data check\\); last complete line was \\d+$`));
  });

  it("refuses bzip2, xz and zstd with a hint", async () => {
    for (const [tool, name] of [["bzip2", "bzip2"], ["xz", "xz"], ["zstd", "zstd"]] as const) {
      const out = path.join(dir, `gen.${tool}`);
      const r = spawnSync(tool, ["-c", files.plain as string], { maxBuffer: 64 << 20 });
      // Without the tool, its magic number alone is what the reader looks at.
      const magic = { bzip2: "425a6839", xz: "fd377a585a00", zstd: "28b52ffd" }[tool];
      writeFileSync(out, r.status === 0 ? r.stdout : Buffer.concat([Buffer.from(magic, "hex"), Buffer.alloc(64, 1)]));
      const err = await failure(out);
      expect(err.message).toBe(`${out}: ${name}-compressed input is not supported; recompress with \`bgzip\``);
    }
  });
});

describe("inputs that are not VCF text", () => {
  it("refuses an empty file", async () => {
    const err = await failure(path.join(CONFORMANCE, "cyvcf2/cyvcf2/tests/empty.vcf"));
    expect(err.reason).toBe("empty file (0 bytes)");
  });

  it("refuses BCF, compressed or not, with the conversion command", async () => {
    const bgzfBcf = path.join(CONFORMANCE, "cyvcf2/cyvcf2/tests/test.snpeff.bcf");
    expect((await failure(bgzfBcf)).message).toBe(`${bgzfBcf}: BCF is not supported; convert with \`bcftools view -Oz\``);
    const rawBcf = path.join(dir, "raw.bcf");
    writeFileSync(rawBcf, execFileSync("bcftools", ["view", "-Ou", path.join(CONFORMANCE, "cyvcf2/cyvcf2/tests/test.snpeff.vcf")], { maxBuffer: 64 << 20 }));
    expect((await failure(rawBcf)).reason).toContain("BCF is not supported");
  });

  it("refuses binary data, naming the line with the NUL byte", async () => {
    const f = path.join(dir, "nul.vcf");
    writeFileSync(f, "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t5\t.\tA\tC\t.\t.\t.\n1\t6\t.\tA\u0000\tC\t.\t.\t.\n");
    const err = await failure(f);
    expect([err.line, err.reason]).toEqual([4, "binary data (NUL byte): this is not a text VCF file"]);
  });

  it("refuses a text file that is not VCF on its first line", async () => {
    const f = path.join(dir, "readme.vcf");
    writeFileSync(f, "hello world\n");
    expect((await failure(f)).message).toContain(`${f}:1: not a VCF file`);
  });
});

describe("stdin and streams", () => {
  it("reads '-' from process.stdin as <stdin>", async () => {
    const original = Object.getOwnPropertyDescriptor(process, "stdin");
    Object.defineProperty(process, "stdin", { value: Readable.from([readFileSync(files.bgzip as string)]), configurable: true });
    try {
      const reader = await openVcf("-");
      expect(reader.source).toBe("<stdin>");
      const got: string[] = [];
      for await (const v of reader) got.push(`${v.chrom}\t${v.pos}\t${v.ref}\t${v.alt}`);
      expect(got).toEqual(await ids(files.plain as string));
      expect(reader.stats.totalBytes).toBeUndefined();
    } finally {
      if (original !== undefined) Object.defineProperty(process, "stdin", original);
    }
  });

  it("reads a named pipe (size 0 on stat) as a stream", async () => {
    const fifo = path.join(dir, "pipe.vcf");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn("sh", ["-c", 'cat "$1" > "$2"', "_", files.gzip as string, fifo], { stdio: "ignore" });
    const exited = new Promise((resolve) => writer.on("exit", resolve));
    const got: string[] = [];
    const reader = await openVcf(fifo);
    for await (const v of reader) got.push(`${v.chrom}\t${v.pos}\t${v.ref}\t${v.alt}`);
    expect(await exited).toBe(0);
    expect(got).toEqual(await ids(files.plain as string));
    expect(reader.stats.totalBytes).toBeUndefined();
  });

  it("names a missing file with code VCF_IO", async () => {
    const missing = path.join(dir, "missing.vcf");
    const err = await openVcf(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VcfAgentError);
    expect([(err as VcfAgentError).code, (err as Error).message]).toEqual(["VCF_IO", `${missing}: no such file`]);
  });

  it("reads any Readable and names it in errors", async () => {
    const text = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\tx\t.\tA\tC\t.\t.\t.\n";
    const reader = await openVcfStream(Readable.from([Buffer.from(text)]), "upload.vcf");
    await expect(async () => {
      for await (const v of reader) void v;
    }).rejects.toThrow("upload.vcf:3: POS 'x' is not a non-negative integer");
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
