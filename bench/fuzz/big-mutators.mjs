// Mutators that make inputs large: megabyte INFO values, 100k ALT alleles with per-ALT INFO
// lists, megabyte lines without a newline, 100k INFO keys or sample columns, a megabyte
// header line, and long files of short records (streaming must stay flat).
import { seedLines } from "./seeds.mjs";
import { joinLines } from "./text-mutators.mjs";

const FALLBACK_HEADER = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"].map((s) => Buffer.from(s));
const ALT_DECLARATIONS = [
  '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
  '##INFO=<ID=AR,Number=R,Type=Integer,Description="Per allele">',
  '##INFO=<ID=AG,Number=G,Type=Integer,Description="Per genotype">',
  '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|ALLELE_NUM">',
].map((s) => Buffer.from(s));

/** `n` bytes repeating a random 4 KiB block (cheap to make, still not one repeated byte). */
function filler(rng, n, alphabet) {
  const block = Buffer.from(rng.text(Math.min(n, 4096), alphabet), "latin1");
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += block.length) block.copy(out, i);
  return out;
}

/** Header lines of the seed (a minimal header when it has no #CHROM line). */
function header(seed) {
  const h = seedLines(seed).header;
  const last = h[h.length - 1];
  return last !== undefined && last[0] === 0x23 && last[1] !== 0x23 ? [...h] : [...FALLBACK_HEADER];
}

function firstRecord(seed) {
  return seedLines(seed).body.find((l) => l.length > 0) ?? Buffer.from("1\t100\t.\tA\tG\t.\t.\tDP=1");
}

/** A data line whose INFO column gets `extra`; other columns from the seed's first record. */
function withInfo(seed, extra) {
  const cols = firstRecord(seed).toString("latin1").split("\t");
  while (cols.length < 8) cols.push(".");
  const prefix = Buffer.from(`${cols.slice(0, 7).join("\t")}\t${cols[7] === "." ? "" : `${cols[7]};`}`, "latin1");
  const rest = cols.length > 8 ? Buffer.from(`\t${cols.slice(8).join("\t")}`, "latin1") : Buffer.alloc(0);
  return Buffer.concat([prefix, extra, rest]);
}

/**
 * One large input of about `size` bytes (`size` is drawn log-uniformly from 1 MB to the
 * run's maximum by the caller).
 */
export function hugeField(rng, seed, size) {
  const h = header(seed);
  const body = seedLines(seed).body;
  const op = rng.pick(["info-value", "alt-alleles", "no-newline", "info-keys", "samples", "header-line", "many-records"]);
  switch (op) {
    case "info-value": {
      const value = filler(rng, size, "ACGT0123456789,|&%._-:");
      const line = withInfo(seed, Buffer.concat([Buffer.from(rng.pick(["HUGE=", "CSQ=", "CLNDN=", "AF="])), value]));
      return { text: joinLines([...h, line, ...body]), note: `${op} ${size} bytes` };
    }
    case "alt-alleles": {
      const n = rng.logRange(1000, 100_000);
      const alts = Array.from({ length: n }, (_, i) => `A${i.toString(4).replace(/[0-3]/g, (d) => "ACGT"[Number(d)])}`);
      const af = Array.from({ length: n }, (_, i) => String((i % 100) / 100)).join(",");
      const r = `${af},0`;
      // Number=G has (n+1)(n+2)/2 values: keep it for n up to 1,000 (~500k values).
      const g = n <= 1000 ? `;AG=${Array.from({ length: ((n + 1) * (n + 2)) / 2 }, (_, i) => i % 10).join(",")}` : "";
      // A VEP entry per ALT (Allele trimmed VEP-style, ALLELE_NUM), as VEP writes multi-allelic sites.
      const csq = alts.map((a, i) => `${a.slice(1)}|missense_variant|MODERATE|G${i % 97}|${i + 1}`).join(",");
      const line = Buffer.from(`1\t1000\t.\tA\t${alts.join(",")}\t.\tPASS\tAF=${af};AR=${r}${g};GENEINFO=X:1;CSQ=${csq}`, "latin1");
      return { text: joinLines([...h.slice(0, -1), ...ALT_DECLARATIONS, h[h.length - 1], line, ...body]), note: `${op} ${n} ALT alleles` };
    }
    case "no-newline": {
      const line = filler(rng, size, rng.chance(0.5) ? "ACGT" : "ACGT\t;=,.");
      return { text: Buffer.concat([joinLines([...h, ...body]), line]), note: `${op} ${size} bytes` };
    }
    case "info-keys": {
      const n = Math.max(1, Math.floor(size / 12));
      const keys = Array.from({ length: Math.min(n, 200_000) }, (_, i) => `K${i}=${i % 7}`).join(";");
      return { text: joinLines([...h, withInfo(seed, Buffer.from(keys, "latin1")), ...body]), note: `${op} ${Math.min(n, 200_000)} keys` };
    }
    case "samples": {
      const n = Math.min(200_000, Math.max(1, Math.floor(size / 4)));
      const cols = firstRecord(seed).toString("latin1").split("\t").slice(0, 8);
      while (cols.length < 8) cols.push(".");
      const line = Buffer.from(`${cols.join("\t")}\tGT${"\t0|1".repeat(n)}`, "latin1");
      return { text: joinLines([...h, line, ...body]), note: `${op} ${n} sample columns` };
    }
    case "header-line": {
      const desc = filler(rng, size, "abcdef ,=<>\\\"");
      const line = Buffer.concat([Buffer.from(rng.pick(['##INFO=<ID=BIG,Number=1,Type=String,Description="', "##comment=", "##source=<ID=x,Description=\""])), desc, Buffer.from('">')]);
      return { text: joinLines([...h.slice(0, -1), line, h[h.length - 1], ...body]), note: `${op} ${size} bytes` };
    }
    default: {
      const unit = body.length > 0 ? joinLines(body) : Buffer.from("1\t100\t.\tA\tG\t.\t.\t.\n");
      const copies = Math.max(1, Math.floor(size / Math.max(1, unit.length)));
      const parts = [joinLines(h)];
      for (let i = 0; i < copies; i++) parts.push(unit);
      return { text: Buffer.concat(parts), note: `${op} ${copies} copies of the body` };
    }
  }
}
