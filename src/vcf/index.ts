/** The VCF reader: streaming, lazy INFO, multi-allelic splitting, region reads. */
export { openVcf, openVcfStream, VcfReader, type ReadOptions } from "./reader.js";
export { VcfVariant, type RecordContext } from "./variant.js";
export { type ReaderStats, MAX_MESSAGES } from "./stats.js";
export { type InvalidPolicy } from "./record.js";
export { parseRegion, type Region } from "./region.js";
export { sniffCompression, type Compression, type Sniffed } from "./sniff.js";
export { decodePercent } from "./percent.js";
export { alleleKind, isReferenceBlockAllele } from "./kind.js";
export { parseStructured, type StructuredValue } from "./meta.js";
export { REGION_HINT, WINDOW_BUDGET_BYTES } from "./tabix.js";
export { DEFAULT_MAX_LINE_BYTES } from "./lines.js";
export type { Variant, VcfHeader, FieldDefinition, InfoValue, InfoScalar, AlleleKind } from "./types.js";
export { annotationLayout, annotate, STANDARD_ANN_FIELDS, type AnnotationLayout, type AnnotationSource, type VariantAnnotation } from "./annotations/index.js";
export { describeVariant, summarizeVariant, type VariantSummary } from "./describe.js";
