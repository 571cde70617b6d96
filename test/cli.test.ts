import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/program.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli", "main.js");
const clinvar = resolve(root, "../shared/data/real/clinvar_GRCh38_20211025_50rec.ensembl-vep.vcf.gz");
const tmp = mkdtempSync(join(tmpdir(), "vcf-agent-cli-"));

function run(args: string[], input?: Buffer | string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: "utf8", env: { ...process.env, VCF_AGENT_DEBUG: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";

describe("vcf-agent CLI", () => {
  it("describe prints one JSON object per variant with the documented fields", () => {
    const r = run(["describe", clinvar]);
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const expected = execFileSync("sh", ["-c", `bcftools norm -m -any "${clinvar}" 2>/dev/null | bcftools query -f '%ALT\\n' | grep -vc '^\\.$'`], {
      encoding: "utf8",
    });
    expect(rows.length).toBe(Number(expected.trim()));
    for (const key of ["variantId", "chrom", "pos", "ref", "alt", "gene", "consequence", "clinicalSignificance", "description"]) {
      expect(rows[0]).toHaveProperty(key);
    }
    expect(rows[0]).toMatchObject({ variantId: "1-925952-G-A", gene: "SAMD11", consequence: "missense_variant", clinicalSignificance: "Uncertain_significance" });
    expect(rows[0]!.description).toBe(
      "Variant at chromosome 1 position 925952 reference allele G to alternate allele A in gene SAMD11 with consequence missense_variant clinical significance Uncertain significance",
    );
  });

  it("describe reads gzip from standard input and a tabix region", () => {
    const plain = execFileSync("sh", ["-c", `gzip -dc "${clinvar}"`]);
    const fromStdin = run(["describe", "-"], gzipSync(plain));
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toBe(run(["describe", clinvar]).stdout);
    const region = run(["describe", clinvar, "--region", "1:900000-940000", "--format", "table"]);
    expect(region.status).toBe(0);
    const lines = region.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^variantId\s+gene/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["1-925952-G-A", "1-930139-C-T"]);
  });

  it("reports a bad record as one line file:line, exit 1, no stack, after printing what came before", () => {
    const file = join(tmp, "bad-pos.vcf");
    writeFileSync(file, HEADER + "1\t100\t.\tA\tG\t.\t.\t.\n1\tabc\t.\tA\tG\t.\t.\t.\n");
    const r = run(["describe", file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`vcf-agent: ${file}:4: POS 'abc' is not a non-negative integer\n`);
    expect(r.stdout).toContain('"variantId":"1-100-A-G"');
    const skip = run(["describe", file, "--on-invalid", "skip"]);
    expect(skip.status).toBe(0);
    expect(skip.stdout.trim().split("\n")).toHaveLength(1);
    expect(skip.stderr).toContain("skipped 1 invalid");
    expect(skip.stderr).toContain(`${file}:4:`);
  });

  it("names the file for empty and truncated inputs, and the option for bad flags", () => {
    const empty = join(tmp, "empty.vcf");
    writeFileSync(empty, "");
    const e = run(["describe", empty]);
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(new RegExp(`^vcf-agent: ${empty}(:\\d+)?: .*empty`));
    expect(e.stderr).not.toMatch(/\n\s+at /);

    const truncated = join(tmp, "truncated.vcf.gz");
    const whole = readFileSync(clinvar);
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    const t = run(["describe", truncated]);
    expect(t.status).toBe(1);
    expect(t.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(t.stderr).toMatch(new RegExp(`^vcf-agent: ${truncated}`));

    const missing = run(["describe", join(tmp, "nope.vcf")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^vcf-agent: .*nope\.vcf/);

    const fmt = run(["describe", clinvar, "--format", "xml"]);
    expect(fmt.status).toBe(1);
    expect(fmt.stderr).toBe("vcf-agent: option --format: expected jsonl, tsv or table, got 'xml'\n");

    const level = run(["embed", "x", "--level", "extreme"]);
    expect(level.status).toBe(2);
    expect(level.stderr).toMatch(/^vcf-agent: invalid option optimizationLevel/);

    // Index flags are checked before the database is opened: nothing is created.
    const db = join(tmp, "never-created-db");
    const rate = run(["index", "create", "--db", db, "--scalar", "--sample-rate", "0"]);
    expect(rate.status).toBe(1);
    expect(rate.stderr).toBe("vcf-agent: option --sample-rate: expected a positive integer, got '0'\n");
    expect(existsSync(db)).toBe(false);
  });

  it("embed prints the width, norm and first values", () => {
    const r = run(["embed", "pathogenic missense variant in BRCA1", "--level", "basic", "--show", "4"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^provider: local:vcf-hash-v1:1536\ndimensions: 1536 \(full width: dimension reduction disabled\)\nnorm: 1\.0000\d\d\nvalues: \[(-?\d\.\d{6}, ){4}…\]\n$/);
    const json = JSON.parse(run(["embed", "BRCA1", "--json", "--level", "basic"]).stdout) as { dimensions: number; vector: number[] };
    expect(json.vector).toHaveLength(1536);
  });

  it("has stable help text", async () => {
    const program = await buildProgram();
    expect(program.helpInformation()).toMatchSnapshot();
    for (const c of program.commands) expect(c.helpInformation()).toMatchSnapshot(c.name());
  });
});
