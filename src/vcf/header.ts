/**
 * Builds a {@link VcfHeader} from `##` meta lines and the `#CHROM` line. Definition lines
 * (INFO, FORMAT, FILTER, contig, ALT) must be well formed because records are typed by
 * them; other oddities are accepted with a warning, as htslib does.
 */
import { VcfFormatError } from "../errors.js";
import type { FieldDefinition, VcfHeader } from "./types.js";
import { abbreviate, parseStructured } from "./meta.js";

/** Records a warning once per `key`. */
export type WarnFn = (key: string, message: string) => void;

const FIXED_COLUMNS = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"] as const;
const DEFINITION_KEYS = new Set(["INFO", "FORMAT", "FILTER", "contig", "ALT"]);
const TYPES = new Set<FieldDefinition["type"]>(["Integer", "Float", "Flag", "Character", "String"]);
const NUMBER_RE = /^(?:[ARG.]|\d+)$/;

/** Accumulates header lines in file order; {@link HeaderBuilder.build} returns the header. */
export class HeaderBuilder {
  private fileformat: string | undefined;
  private readonly info = new Map<string, FieldDefinition>();
  private readonly format = new Map<string, FieldDefinition>();
  private readonly filters = new Map<string, { id: string; description: string }>();
  private readonly contigs = new Map<string, { id: string; length?: number; [key: string]: unknown }>();
  private readonly metaLines: string[] = [];
  private samples: string[] = [];

  constructor(
    private readonly source: string,
    private readonly warn: WarnFn,
  ) {}

  /** Adds one `##` line (with the leading `##`). */
  meta(line: string, lineNo: number): void {
    const body = line.slice(2);
    this.metaLines.push(body);
    const eq = body.indexOf("=");
    if (eq <= 0) {
      this.warn(`meta:${lineNo}`, `${this.source}:${lineNo}: meta line is not key=value; kept verbatim: '${abbreviate(line)}'`);
      return;
    }
    const key = body.slice(0, eq);
    const value = body.slice(eq + 1);
    if (key === "fileformat") {
      if (lineNo !== 1) this.warn("fileformat-position", `${this.source}:${lineNo}: ##fileformat is not the first line`);
      if (!/^VCFv\d+\.\d+$/.test(value)) this.warn("fileformat-value", `${this.source}:${lineNo}: unrecognised ##fileformat '${abbreviate(value)}'; reading as VCF`);
      this.fileformat ??= value;
      return;
    }
    if (!value.startsWith("<")) return;
    const parsed = parseStructured(value);
    if (!parsed.ok) {
      const reason = `malformed ##${key} line: value ${parsed.reason}: '${abbreviate(line)}'`;
      if (DEFINITION_KEYS.has(key)) throw new VcfFormatError(this.source, lineNo, reason);
      this.warn(`meta:${lineNo}`, `${this.source}:${lineNo}: ${reason}; kept verbatim`);
      return;
    }
    const fields = parsed.fields;
    const id = fields.get("ID");
    if (!DEFINITION_KEYS.has(key) || key === "ALT") return;
    if (id === undefined || id === "") {
      this.warn(`meta:${lineNo}`, `${this.source}:${lineNo}: ##${key} line has no ID; ignored`);
      return;
    }
    if (key === "INFO" || key === "FORMAT") this.addField(key, id, fields, lineNo);
    else if (key === "FILTER") addOnce(this.filters, id, { id, description: fields.get("Description") ?? "" }, () => this.duplicate(key, id, lineNo));
    else addOnce(this.contigs, id, contigOf(id, fields), () => this.duplicate(key, id, lineNo));
  }

  /** Validates the `#CHROM` line and takes the sample names from it. */
  columns(line: string, lineNo: number): void {
    const cols = line.split("\t");
    const fixedOk = cols.length >= 8 && FIXED_COLUMNS.every((name, i) => cols[i] === name);
    if (!fixedOk) {
      throw new VcfFormatError(this.source, lineNo, `#CHROM header line must start with the tab-separated columns ${FIXED_COLUMNS.join(" ")}; found '${abbreviate(line)}'`);
    }
    if (cols.length === 8) return;
    if (cols[8] !== "FORMAT") throw new VcfFormatError(this.source, lineNo, `#CHROM header line: column 9 must be FORMAT, found '${abbreviate(cols[8] ?? "")}'`);
    const samples = cols.slice(9);
    if (samples.length === 0) this.warn("format-no-samples", `${this.source}:${lineNo}: FORMAT column present but no sample columns`);
    const seen = new Set<string>();
    samples.forEach((name, i) => {
      if (name === "") throw new VcfFormatError(this.source, lineNo, `empty sample name in column ${i + 10} of the #CHROM line (trailing tab or doubled tab?)`);
      if (seen.has(name)) this.warn("duplicate-sample", `${this.source}:${lineNo}: sample name '${abbreviate(name)}' appears more than once`);
      seen.add(name);
    });
    this.samples = samples;
  }

  /** The finished header; warns when `##fileformat` was missing. */
  build(): VcfHeader {
    if (this.fileformat === undefined) this.warn("fileformat-missing", `${this.source}: no ##fileformat line; reading as VCF`);
    return {
      fileformat: this.fileformat,
      info: this.info,
      format: this.format,
      filters: this.filters,
      contigs: this.contigs,
      samples: this.samples,
      metaLines: this.metaLines,
    };
  }

  private addField(key: "INFO" | "FORMAT", id: string, fields: ReadonlyMap<string, string>, lineNo: number): void {
    const where = `${this.source}:${lineNo}: ##${key} ${id}`;
    let type = (fields.get("Type") ?? "String") as FieldDefinition["type"];
    if (!TYPES.has(type)) {
      this.warn(`meta:${lineNo}`, `${where} has unknown Type '${abbreviate(type)}'; read as String`);
      type = "String";
    }
    let number = fields.get("Number") ?? ".";
    if (!NUMBER_RE.test(number)) {
      this.warn(`meta:${lineNo}`, `${where} has invalid Number '${abbreviate(number)}'; read as '.'`);
      number = ".";
    }
    if (type === "Flag" && number !== "0") {
      this.warn(`meta:${lineNo}`, `${where} is a Flag with Number=${number}; read as Number=0`);
      number = "0";
    }
    const def: FieldDefinition = { id, number, type, description: fields.get("Description") ?? "" };
    addOnce(key === "INFO" ? this.info : this.format, id, def, () => this.duplicate(key, id, lineNo));
  }

  private duplicate(key: string, id: string, lineNo: number): void {
    this.warn(`meta:${lineNo}`, `${this.source}:${lineNo}: ##${key} ID ${id} defined again; the first definition is kept`);
  }
}

function addOnce<V>(map: Map<string, V>, id: string, value: V, onDuplicate: () => void): void {
  if (map.has(id)) onDuplicate();
  else map.set(id, value);
}

function contigOf(id: string, fields: ReadonlyMap<string, string>): { id: string; length?: number; [key: string]: unknown } {
  const contig: { id: string; length?: number; [key: string]: unknown } = { id };
  for (const [k, v] of fields) {
    if (k === "ID") continue;
    if (k === "length" && /^\d+$/.test(v)) contig.length = Number(v);
    else contig[k] = v;
  }
  return contig;
}
