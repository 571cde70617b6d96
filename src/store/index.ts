/** The LanceDB variant store: schema, filters, indexes and the {@link VariantStore} class. */
export { VariantStore, PCA_KEY } from "./lance.js";
export type { MetaTable } from "./_meta.js";
export { DEFAULT_DB_URI, DEFAULT_TABLE, DEFAULT_REFINE_FACTOR } from "./options.js";
export type { ConnectOptions, AddBatchOptions, AddBatchResult, SearchOptions, IndexSummary, StoreStats, VectorIndexResult } from "./options.js";
export { variantSchema, vectorType, readVectorWidth, METADATA_COLUMNS, VECTOR_COLUMN } from "./schema.js";
export type { VariantRows, StoredVariant, VariantHit, MetadataColumn } from "./schema.js";
export { parseFilter, checkFilter, compileFilters, sqlLiteral, isFilterField, FILTER_FIELDS } from "./filters.js";
export type { Filter, FilterField, FilterOp, FilterValue } from "./filters.js";
export { chooseVectorIndexShape, vectorIndexConfig, scalarIndexConfig, SCALAR_INDEXES, VECTOR_INDEX_TYPES, DEFAULT_VECTOR_INDEX, MIN_ROWS_FOR_PQ } from "./indexes.js";
export type { VectorIndexType, VectorIndexOptions, VectorIndexShape, IndexProgress } from "./indexes.js";
export { prepareBatch } from "./batch.js";
export type { PreparedBatch } from "./batch.js";
export type { PcaModelSummary } from "../reduce/model-file.js";
export { VariantRowsBuilder } from "./rows-builder.js";
export type { VariantRowInput } from "./rows-builder.js";
export { localPath } from "./_disk.js";
export { storageOf } from "./options.js";
