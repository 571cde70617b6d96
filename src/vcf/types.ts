/** Typed INFO value after header-driven conversion. `null` stands for `.` (missing). */
export type InfoScalar = string | number | null;
/** One INFO field's value: `true` for a Flag, a scalar for Number=1, an array otherwise. */
export type InfoValue = boolean | InfoScalar | InfoScalar[];

/** Kind of one ALT allele, decided from its spelling (VCF 4.4 §1.6.1 and §5). */
export type AlleleKind = "snv" | "mnv" | "indel" | "symbolic" | "breakend" | "overlapping_deletion" | "complex";

/**
 * One variant = one ALT allele of one VCF record after multi-allelic splitting.
 * Names follow the spec (CHROM, POS...) where they are the spec's fields.
 */
export interface Variant {
  /** `chrom-pos-ref-alt`: stable identity, the key of idempotent ingest. */
  readonly variantId: string;
  readonly chrom: string;
  /** 1-based position as in the file. */
  readonly pos: number;
  /** The ID column (`.` → empty string). */
  readonly id: string;
  readonly ref: string;
  readonly alt: string;
  /** Index of this ALT in the record's ALT list (0-based). */
  readonly altIndex: number;
  readonly altCount: number;
  readonly kind: AlleleKind;
  readonly qual: number | null;
  /** FILTER values; empty for `.`. */
  readonly filter: readonly string[];
  /** The FILTER column as written (`PASS`, `q10;s50`, `.`): `filter` joined with `;`, or `.`. */
  readonly filterText: string;
  /** 1-based line number in the (decompressed) input; for error messages. */
  readonly line: number;
  /** INFO value for this ALT: Number=A/R/G values are sliced to this allele. Parsed on first use. */
  info(key: string): InfoValue | undefined;
  /**
   * INFO value of `key` as the text the file held (lists joined with `,`); undefined when
   * absent, a flag, or nothing in it (`.`, empty, or a list of those).
   */
  infoText(key: string): string | undefined;
  /** All INFO keys present on the record, in file order. */
  infoKeys(): readonly string[];
  /** Raw INFO column text. */
  readonly rawInfo: string;
}

/** One `##INFO` or `##FORMAT` definition. */
export interface FieldDefinition {
  readonly id: string;
  /** `A`, `R`, `G`, `.` or a non-negative integer as text. */
  readonly number: string;
  readonly type: "Integer" | "Float" | "Flag" | "Character" | "String";
  readonly description: string;
}

/** Parsed VCF header: the parts vcf-agent uses, plus every meta line verbatim. */
export interface VcfHeader {
  /** e.g. `VCFv4.2`; undefined when the file has no `##fileformat` line (accepted with a warning). */
  readonly fileformat: string | undefined;
  readonly info: ReadonlyMap<string, FieldDefinition>;
  readonly format: ReadonlyMap<string, FieldDefinition>;
  readonly filters: ReadonlyMap<string, { id: string; description: string }>;
  readonly contigs: ReadonlyMap<string, { id: string; length?: number; [key: string]: unknown }>;
  /** Sample names from the `#CHROM` line. */
  readonly samples: readonly string[];
  /** All `##` lines, without the leading `##`, in file order. */
  readonly metaLines: readonly string[];
}
