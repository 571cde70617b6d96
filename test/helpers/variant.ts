/**
 * Test doubles for Variant and VcfHeader (typed and sliced like src/vcf/info.ts does),
 * and a small whole-file reader built on them for fixtures the streaming reader is not needed for.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { alleleKind } from "../../src/vcf/kind.js";
import { decodePercent } from "../../src/vcf/percent.js";
import { infoValueText } from "../../src/vcf/info.js";
import type { FieldDefinition, InfoScalar, InfoValue, Variant, VcfHeader } from "../../src/vcf/types.js";

/** A header whose INFO definitions come from `##INFO=<...>` lines. */
export function headerFromLines(metaLines: readonly string[], samples: readonly string[] = []): VcfHeader {
  const info = new Map<string, FieldDefinition>();
  for (const line of metaLines) {
    const m = /^##INFO=<(.*)>\s*$/.exec(line);
    if (!m) continue;
    const body = m[1]!;
    const get = (key: string) => new RegExp(`(?:^|,)${key}=("(?:[^"\\\\]|\\\\.)*"|[^,]*)`).exec(body)?.[1];
    const id = get("ID")!;
    const description = (get("Description") ?? "").replace(/^"|"$/g, "");
    info.set(id, {
      id,
      number: get("Number") ?? ".",
      type: (get("Type") ?? "String") as FieldDefinition["type"],
      description,
    });
  }
  const fileformat = metaLines.find((l) => l.startsWith("##fileformat="))?.slice(13);
  return {
    fileformat,
    info,
    format: new Map(),
    filters: new Map(),
    contigs: new Map(),
    samples,
    metaLines: metaLines.map((l) => l.slice(2)),
  };
}

/** A header with the given INFO definitions (`{ AF: { number: "A", type: "Float" } }`). */
export function makeHeader(defs: Record<string, Partial<FieldDefinition>> = {}): VcfHeader {
  const info = new Map<string, FieldDefinition>();
  for (const [id, d] of Object.entries(defs)) {
    info.set(id, { id, number: d.number ?? ".", type: d.type ?? "String", description: d.description ?? "" });
  }
  return { fileformat: "VCFv4.2", info, format: new Map(), filters: new Map(), contigs: new Map(), samples: [], metaLines: [] };
}

function convert(text: string, type: FieldDefinition["type"] | undefined): InfoScalar {
  if (text === ".") return null;
  if (type === "Integer" || type === "Float") return Number(text);
  return decodePercent(text);
}

/** INFO values typed and sliced to one ALT the way the VCF spec defines Number=A/R. */
function infoValue(raw: string | undefined, def: FieldDefinition | undefined, altIndex: number): InfoValue | undefined {
  if (raw === undefined) return undefined;
  if (def?.type === "Flag" || raw === "\u0000flag") return true;
  const parts = raw.split(",");
  if (def?.number === "A") return convert(parts[altIndex] ?? ".", def.type);
  if (def?.number === "R") return [convert(parts[0] ?? ".", def.type), convert(parts[altIndex + 1] ?? ".", def.type)];
  if (def?.number === "1") return convert(raw, def.type);
  if (!def) return parts.length === 1 ? convert(raw, undefined) : parts.map((p) => convert(p, undefined));
  return parts.map((p) => convert(p, def.type));
}

/** Options of {@link makeVariant}. */
export interface VariantInit {
  chrom?: string;
  pos?: number;
  id?: string;
  ref?: string;
  alt?: string;
  altIndex?: number;
  altCount?: number;
  qual?: number | null;
  filter?: string[];
  line?: number;
  /** Raw INFO column text, or key/value pairs (`true` for a flag) joined into one. */
  info?: string | Record<string, string | number | true>;
  header?: VcfHeader;
}

/** A Variant double whose `info()` types and slices values by `header` (untyped text when undeclared). */
export function makeVariant(init: VariantInit = {}): Variant {
  const chrom = init.chrom ?? "17";
  const pos = init.pos ?? 43045712;
  const ref = init.ref ?? "G";
  const alt = init.alt ?? "A";
  const altIndex = init.altIndex ?? 0;
  const rawInfo = typeof init.info === "string"
    ? init.info
    : Object.entries(init.info ?? {}).map(([k, v]) => (v === true ? k : `${k}=${v}`)).join(";") || ".";
  const header = init.header ?? makeHeader();
  const map = new Map<string, string>();
  if (rawInfo !== ".") {
    for (const item of rawInfo.split(";")) {
      const eq = item.indexOf("=");
      if (eq < 0) map.set(item, "\u0000flag");
      else map.set(item.slice(0, eq), item.slice(eq + 1));
    }
  }
  return {
    variantId: `${chrom}-${pos}-${ref}-${alt}`,
    chrom,
    pos,
    id: init.id ?? "",
    ref,
    alt,
    altIndex,
    altCount: init.altCount ?? 1,
    kind: alleleKind(ref, alt),
    qual: init.qual ?? null,
    filter: init.filter ?? [],
    filterText: init.filter === undefined || init.filter.length === 0 ? "." : init.filter.join(";"),
    line: init.line ?? 1,
    rawInfo,
    info: (key) => infoValue(map.get(key), header.info.get(key), altIndex),
    infoText: (key) => infoValueText(infoValue(map.get(key), header.info.get(key), altIndex)),
    infoKeys: () => [...map.keys()],
  };
}

/** Every variant of a (gzip/bgzf or plain) VCF file, multi-allelic records split per ALT. */
export function readVcf(file: string): { header: VcfHeader; variants: Variant[] } {
  const bytes = readFileSync(file);
  const text = (file.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  const lines = text.split("\n");
  const meta: string[] = [];
  let i = 0;
  for (; i < lines.length && lines[i]!.startsWith("##"); i++) meta.push(lines[i]!);
  const samples = (lines[i] ?? "").split("\t").slice(9);
  const header = headerFromLines(meta, samples);
  const variants: Variant[] = [];
  for (let n = i + 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === "" || line.startsWith("#")) continue;
    const [chrom, pos, id, ref, altCol, qual, filter, info] = line.split("\t");
    const alts = altCol!.split(",");
    alts.forEach((alt, altIndex) => {
      variants.push(makeVariant({
        chrom: chrom!, pos: Number(pos), id: id === "." ? "" : id!, ref: ref!, alt, altIndex, altCount: alts.length,
        qual: qual === "." ? null : Number(qual), filter: filter === "." ? [] : filter!.split(";"),
        line: n + 1, info: info ?? ".", header,
      }));
    });
  }
  return { header, variants };
}
