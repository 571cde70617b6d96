/**
 * Structural errors name file and line; `onInvalid: "skip"` counts instead of throwing;
 * header problems surface at open; options are checked.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, VcfAgentError, VcfFormatError } from "../src/errors.js";
import { openVcf } from "../src/vcf/index.js";
import { REAL, scratchDir } from "./_vcf-corpus.js";

const HEAD = ["##fileformat=VCFv4.2", "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"];

let n = 0;
function file(lines: string[]): string {
  const f = path.join(scratchDir(), `err-${n++}.vcf`);
  writeFileSync(f, `${lines.join("\n")}\n`);
  return f;
}

async function readIds(f: string, onInvalid?: "error" | "skip"): Promise<{ ids: string[]; reader: Awaited<ReturnType<typeof openVcf>> }> {
  const reader = await openVcf(f, onInvalid === undefined ? {} : { onInvalid });
  const ids: string[] = [];
  for await (const v of reader) ids.push(v.variantId);
  return { ids, reader };
}

async function errorOf(p: Promise<unknown>): Promise<VcfFormatError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(VcfFormatError);
  return e as VcfFormatError;
}

describe("record errors name file:line", () => {
  it("a record with fewer than 8 columns", async () => {
    const f = file([...HEAD, "1\t10\t.\tA\tC\t.\t.\tDP=1", "1\t11\t.\tA\tC"]);
    const err = await errorOf(readIds(f));
    expect(err.message).toBe(`${f}:5: expected at least 8 tab-separated columns (CHROM POS ID REF ALT QUAL FILTER INFO), found 5`);
    expect([err.file, err.line]).toEqual([f, 5]);
  });

  it("POS that is not a number, negative, or too large", async () => {
    expect((await errorOf(readIds(file([...HEAD, "1\tabc\t.\tA\tC\t.\t.\t."])))).message).toMatch(/:4: POS 'abc' is not a non-negative integer$/);
    expect((await errorOf(readIds(file([...HEAD, "1\t-5\t.\tA\tC\t.\t.\t."])))).reason).toBe("POS '-5' is not a non-negative integer");
    expect((await errorOf(readIds(file([...HEAD, "1\t\t.\tA\tC\t.\t.\t."])))).reason).toBe("POS is empty");
    expect((await errorOf(readIds(file([...HEAD, "1\t9007199254740993\t.\tA\tC\t.\t.\t."])))).reason).toBe("POS 9007199254740993 is larger than 9007199254740991");
    // htslib accepts 64-bit positions; anything up to 2^53 - 1 is exact in JS and accepted.
    expect((await readIds(file([...HEAD, "1\t9007199254740991\t.\tA\tC\t.\t.\t."]))).ids).toEqual(["1-9007199254740991-A-C"]);
  });

  it("REF and ALT that cannot form a variant id", async () => {
    expect((await errorOf(readIds(file([...HEAD, "1\t5\t.\t.\tC\t.\t.\t."])))).reason).toBe("REF '.' is missing");
    expect((await errorOf(readIds(file([...HEAD, "1\t5\t.\tA\tC,,G\t.\t.\t."])))).reason).toBe("ALT 'C,,G' has an allele that is empty");
    expect((await errorOf(readIds(file([...HEAD, "1\t5\t.\tA\t\t.\t.\t."])))).reason).toBe("ALT '' is empty");
  });
});

describe("onInvalid: skip", () => {
  it("counts bad lines, keeps the first 20 messages and loses no good variant", async () => {
    const lines = [...HEAD];
    const good: string[] = [];
    for (let i = 1; i <= 30; i++) {
      lines.push(`1\t${i * 10}\t.\tA\tC\t.\t.\tDP=${i}`);
      good.push(`1-${i * 10}-A-C`);
      lines.push(i % 2 === 0 ? `1\tx${i}\t.\tA\tC\t.\t.\t.` : `1\t${i * 10 + 1}\t.\tA`);
    }
    const f = file(lines);
    const { ids, reader } = await readIds(f, "skip");
    expect(ids).toEqual(good);
    expect(reader.stats.skippedInvalid).toBe(30);
    expect(reader.stats.invalidMessages).toHaveLength(20);
    expect(reader.stats.invalidMessages[0]).toBe(`${f}:5: expected at least 8 tab-separated columns (CHROM POS ID REF ALT QUAL FILTER INFO), found 4`);
    expect(reader.stats.invalidMessages[1]).toBe(`${f}:7: POS 'x2' is not a non-negative integer`);
    expect(reader.stats.records).toBe(30);
  });

  it("with the default policy, variants before the bad line were already delivered", async () => {
    const f = file([...HEAD, "1\t1\t.\tA\tC\t.\t.\t.", "1\t2\t.\tA\tG\t.\t.\t.", "1\tbad\t.\tA\tC\t.\t.\t."]);
    const reader = await openVcf(f);
    const seen: string[] = [];
    await expect(async () => {
      for await (const v of reader) seen.push(v.variantId);
    }).rejects.toThrow(`${f}:6: POS 'bad'`);
    expect(seen).toEqual(["1-1-A-C", "1-2-A-G"]);
  });
});

describe("header errors surface at open", () => {
  it("a meta line without its closing '>'", async () => {
    const f = file(["##fileformat=VCFv4.2", "##INFO=<ID=DP,Number=1", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]);
    const err = await errorOf(openVcf(f));
    expect(err.message).toBe(`${f}:2: malformed ##INFO line: value is not closed with '>': '##INFO=<ID=DP,Number=1'`);
  });

  it("no #CHROM line", async () => {
    const err = await errorOf(openVcf(file(["##fileformat=VCFv4.2", "##source=x"])));
    expect([err.line, err.reason]).toEqual([2, "input ends before the '#CHROM' header line"]);
    const err2 = await errorOf(openVcf(file(["##fileformat=VCFv4.2", "1\t5\t.\tA\tC\t.\t.\t."])));
    expect([err2.line, err2.reason]).toEqual([2, "expected a '##' meta line or the '#CHROM' header line, found '1\t5\t.\tA\tC\t.\t.\t.'"]);
  });

  it("a #CHROM line with a trailing tab (empty sample name)", async () => {
    const err = await errorOf(openVcf(file(["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\t"])));
    expect(err.line).toBe(2);
    expect(err.reason).toContain("empty sample name in column 11");
  });

  it("accepts a file without ##fileformat (real SnpEff output) with a warning", async () => {
    const { ids, reader } = await readIds(path.join(REAL, "1kg_chr22_snpeff41_ann.SnpEff.vcf"));
    expect(ids).toHaveLength(20);
    expect(reader.header.fileformat).toBeUndefined();
    expect(reader.stats.warningMessages.some((m) => m.endsWith("no ##fileformat line; reading as VCF"))).toBe(true);
    expect(reader.header.info.get("ANN")?.description).toContain("Functional annotations: 'Allele | Annotation");
  });
});

describe("semantic problems are warnings", () => {
  it("unsorted, non-contiguous and duplicate records", async () => {
    const f = file([...HEAD, "1\t20\t.\tA\tC\t.\t.\t.", "1\t10\t.\tA\tC\t.\t.\t.", "2\t5\t.\tA\tC\t.\t.\t.", "2\t5\t.\tA\tC\t.\t.\t.", "1\t30\t.\tA\tC\t.\t.\t."]);
    const { ids, reader } = await readIds(f);
    expect(ids).toHaveLength(5);
    expect(reader.stats.warningMessages).toEqual([
      `${f}:5: records are not sorted (1:10 after 1:20)`,
      `${f}:7: duplicate variant 2-5-A-C`,
      `${f}:8: records of chromosome 1 are not contiguous`,
    ]);
  });
});

describe("options and usage", () => {
  it("rejects bad options by name", async () => {
    const f = file(HEAD);
    await expect(openVcf(f, { onInvalid: "ignore" as "skip" })).rejects.toBeInstanceOf(ConfigError);
    await expect(openVcf(f, { onInvalid: "ignore" as "skip" })).rejects.toThrow("invalid option onInvalid");
    const reader = await openVcf(f);
    await expect(async () => {
      for await (const b of reader.batches(0)) void b;
    }).rejects.toThrow("invalid option batchSize: must be a positive integer, got 0");
  });

  it("iterates once", async () => {
    const reader = await openVcf(file([...HEAD, "1\t1\t.\tA\tC\t.\t.\t."]));
    for await (const v of reader) void v;
    const again = await (async () => {
      for await (const v of reader) void v;
    })().catch((e: unknown) => e);
    expect(again).toBeInstanceOf(VcfAgentError);
    expect((again as VcfAgentError).code).toBe("USAGE");
  });

  it("stops reading when the consumer breaks out", async () => {
    const lines = [...HEAD];
    for (let i = 1; i <= 300_000; i++) lines.push(`1\t${i}\t.\tA\tC\t.\t.\tDP=${i}`);
    const reader = await openVcf(file(lines));
    for await (const v of reader) if (v.pos === 10) break;
    expect(reader.stats.records).toBeLessThan(300_000);
    expect(reader.stats.bytesRead).toBeLessThan(reader.stats.totalBytes ?? 0);
    await reader.close(); // already closed by the break; a second close is harmless
  });

  it("stops on an AbortSignal", async () => {
    const lines = [...HEAD];
    for (let i = 1; i <= 200_000; i++) lines.push(`1\t${i}\t.\tA\tC\t.\t.\tDP=${i}`);
    const f = file(lines);
    const controller = new AbortController();
    const reader = await openVcf(f, { signal: controller.signal });
    let seen = 0;
    const done = (async () => {
      for await (const batch of reader.batches(100)) {
        seen += batch.length;
        if (seen >= 1000) controller.abort();
      }
    })();
    await expect(done).rejects.toThrow(/abort/i);
    expect(seen).toBeLessThan(200_000);
  });
});
