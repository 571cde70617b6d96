/** Annotations of a variant's INFO, one reader per format (ClinVar, VEP CSQ, SnpEff ANN/EFF). */
export { annotationLayout, STANDARD_ANN_FIELDS, type AnnotationLayout } from "./layout.js";
export { annotate, type AnnotationSource, type VariantAnnotation } from "./annotate.js";
