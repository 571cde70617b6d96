/**
 * The invalid corpus: every file is read to the end. The outcome is either an error
 * (a VcfAgentError naming the file, and `:<line>:` when the problem is on a line) or
 * acceptance, for a category of violation the embedding does not depend on. Nothing else
 * may be thrown. The per-file table is written to docs/conformance.md.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VcfAgentError, VcfFormatError } from "../src/errors.js";
import { CONFORMANCE, ROOT, corpusRows, htsSpecsFailed, readAll } from "./_vcf-corpus.js";

type Expect = "error" | "accepted";

/**
 * Categories, derived from each file's `##CauseOfFailure=` (or the manifest note), in
 * match order. `warned` means the reader must have raised at least one warning.
 */
const CATEGORIES: { re: RegExp; file?: RegExp; expect: Expect; label: string; warned?: boolean }[] = [
  { re: /^(empty file|INVALID: 0-byte|file contains only a newline)/, expect: "error", label: "no VCF content" },
  { re: /(trailing TAB|POSITION instead of POS)/, expect: "error", label: "malformed #CHROM line" },
  { re: /^(Non-closed meta entry|Meta entry without quotation mark|Description contains (non-escaped quotes|a linebreak)|Unstructured meta entry|Non-valid meta entry key)/, expect: "error", label: "malformed header line" },
  // An unquoted comma inside a definition line's ID splits it into a bare item: `##contig=<ID=1,A,length=…>`.
  { re: /^(The ALT ID|contig ID) contains a comma/, file: /failed_meta_/, expect: "error", label: "malformed definition line" },
  { re: /^Position is not a positive number/, expect: "error", label: "POS not a number" },
  { re: /^(Missing REF allele|REF has multiple alleles|ALT has a whitespace|ALT makes a non-valid use of a comma)/, expect: "error", label: "REF/ALT cannot form a variant id" },
  { re: /^(non-sorted|non-contiguous)/, expect: "accepted", label: "unsorted / non-contiguous records accepted with warning", warned: true },
  { re: /^(duplicated|triplicated)/, expect: "accepted", label: "duplicate records accepted (exact repeats warned; re-ingest is idempotent by variant id)" },
  { re: /^no newline at end of file/, expect: "accepted", label: "missing final newline accepted" },
  { re: /^Sample names are not unique/, expect: "accepted", label: "duplicate sample names accepted with warning (samples are not read)", warned: true },
  { re: /^FORMAT column present but no sample columns/, expect: "accepted", label: "FORMAT without samples accepted with warning", warned: true },
  { re: /^(FORMAT|Sample|cardinality in PL)/, expect: "accepted", label: "FORMAT/sample content not interpreted by the reader" },
  { re: /^(INFO (?!Description)|Incorrect INFO)/, expect: "accepted", label: "INFO semantics not validated (typed on read; Type/Number mismatches warned and kept as text)" },
  { re: /^(ALT has a non-valid base|REF has a non-valid base|Symbolic ALT allele|Breakend without|The ALT prefix)/, expect: "accepted", label: "allele spelling kept as written" },
  { re: /^(ID |FILTER|QUAL)/, expect: "accepted", label: "ID/FILTER/QUAL content not validated (non-numeric QUAL reads as null with a warning)" },
  { re: /^contig ID/, expect: "accepted", label: "contig naming not validated" },
  {
    re: /^(Empty fileformat|Whitespace in fileformat|Meta-data entry is not a key-value pair|Incorrect (ALT|META|FORMAT|INFO)|INFO Description|FORMAT Description|ALT Description|The ALT ID|META Values|SAMPLE ID|PEDIGREE|Genome|Non-valid URL|Non-description field|Value with|Original value|Incorrect order)/,
    expect: "accepted",
    label: "header meta content not needed for reading (malformed lines warned)",
  },
];

interface Row {
  file: string;
  cause: string;
  outcome: string;
  warnings: number;
}

function causeOf(file: string, note: string): string {
  const m = /^##CauseOfFailure=(.*)$/m.exec(readFileSync(file, "latin1"));
  return (m?.[1] ?? note).trim();
}

const manifest = corpusRows().filter((r) => r.status === "invalid");
const notes = new Map(manifest.map((r) => [r.localPath, r.note]));
const files = [...new Set([...manifest.map((r) => r.localPath), ...htsSpecsFailed()])].sort();
const table: Row[] = [];

describe("invalid corpus: an error with file:line, or accepted for a stated reason", () => {
  it("has the corpus", () => {
    expect(files.length).toBeGreaterThanOrEqual(609);
  });

  for (const rel of files) {
    it(rel, async () => {
      const file = path.join(CONFORMANCE, rel);
      const cause = existsSync(file) ? causeOf(file, notes.get(rel) ?? "") : "";
      const category = CATEGORIES.find((c) => c.re.test(cause) && (c.file?.test(rel) ?? true));
      expect(category, `no category for cause '${cause}'`).toBeDefined();
      if (category === undefined) return;
      const result = await readAll(file, {}, { timeoutMs: 10_000 });
      if (!result.ok) {
        const err = result.error;
        expect(err).toBeInstanceOf(VcfAgentError);
        const message = (err as Error).message;
        expect(message).toContain(file);
        if (err instanceof VcfFormatError && err.line !== undefined) expect(message).toContain(`${file}:${err.line}:`);
        expect(category.expect).toBe("error");
        table.push({ file: rel, cause, outcome: `error: ${message.replace(`${file}`, "FILE")}`, warnings: 0 });
        return;
      }
      expect(result.sane).toEqual([]);
      expect(category.expect).toBe("accepted");
      if (category.warned === true) expect(result.stats.warnings).toBeGreaterThan(0);
      table.push({ file: rel, cause, outcome: `accepted: ${category.label}`, warnings: result.stats.warnings });
    });
  }

  afterAll(() => {
    if (table.length !== files.length) return; // a partial run (filtered or failing) must not rewrite the report
    table.sort((a, b) => a.file.localeCompare(b.file));
    const errors = table.filter((r) => r.outcome.startsWith("error")).length;
    const lines = [
      "# Invalid-corpus outcomes",
      "",
      "Written by `test/vcf-invalid.test.ts` (do not edit by hand). Every file of the invalid corpus",
      "(`/work/shared/data/conformance`, status `invalid`, and all hts-specs `failed` directories) is read to the end with",
      "`onInvalid: \"error\"`. Either the reader stops with a `VcfAgentError` whose message names the file (and `file:line:`",
      "when the problem is on a line), or it accepts the file because the violation is one the embedding does not depend on.",
      "`FILE` stands for the file's path. Warnings are counted once per distinct problem.",
      "",
      `${table.length} files: ${errors} rejected, ${table.length - errors} accepted.`,
      "",
      "| file | ##CauseOfFailure | outcome | warnings |",
      "|---|---|---|---|",
      ...table.map((r) => `| ${r.file} | ${escape(r.cause)} | ${escape(r.outcome)} | ${r.warnings} |`),
      "",
    ];
    const out = path.join(ROOT, "docs/conformance.md");
    const text = lines.join("\n");
    if (!existsSync(out) || readFileSync(out, "utf8") !== text) writeFileSync(out, text);
  });
});

function escape(s: string): string {
  return s.replaceAll("|", "\\|").replaceAll("\n", " ");
}
