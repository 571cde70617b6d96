/**
 * The MCP tools over a variant table: search_variants, similar_variants, get_variant and
 * dataset_stats. Each validates its input (zod), calls the same search and stats code as the
 * REST API, and returns structured content under the token budget with a one-line summary.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { VcfAgentError } from "../errors.js";
import type { TracedHit, VariantSearch } from "../pipeline/search.js";
import type { OpenTable } from "../pipeline/table-handle.js";
import type { MetadataColumn, StoredVariant, VariantStore } from "../store/index.js";
import { callFingerprint, CursorError, decodeCursor, encodeCursor, pageUnderBudget, TOKEN_BUDGET } from "./_page.js";
import { AGENT_FILTER_FIELDS, agentFilterSchema, FilterInputError, toStoreFilters, type AgentFilters } from "./filters.js";
import { hitOf, hitSchema, pageShape, provenanceSchema, variantSchema, type AgentHit } from "./shapes.js";

/** Where the tools find the table: a handle shared with the REST API, or one opened for stdio. */
export interface VariantTable {
  use<T>(fn: (table: OpenTable) => Promise<T>): Promise<T>;
}

/** Largest k a search tool takes (results are paged under the token budget). */
export const MAX_K = 200;
const VARIANT_ID = /^[^\s-]+-[1-9]\d*-[^\s-]+-[^\s-]+$/;
const ID_HINT = "chrom-pos-ref-alt, e.g. 17-43045712-G-A";

const kSchema = z
  .int({ error: `k must be an integer from 1 to ${MAX_K}` })
  .min(1, `k must be an integer from 1 to ${MAX_K}`)
  .max(MAX_K, `k must be an integer from 1 to ${MAX_K}`)
  .default(10)
  .describe(`number of results, 1 to ${MAX_K}; long results come in pages (next_cursor)`);
const cursorSchema = z.string().max(2000).optional().describe("next_cursor of the previous page of the same call");

/** Registers the tools on `server`. */
export function registerTools(server: McpServer, table: VariantTable): void {
  server.registerTool(
    "search_variants",
    {
      title: "Search variants by meaning",
      description:
        "Find stored variants whose description is nearest to a text query (e.g. 'pathogenic missense variant in BRCA1'), " +
        "with typed filters. Each hit names its source file and line, the exact text that was embedded, the embedder, the PCA model hash and the distance metric.",
      inputSchema: {
        query: z.string({ error: "query must be a string" }).min(1, "query must not be empty").max(2000).describe("free text, e.g. 'frameshift variant in BRCA2'"),
        filters: agentFilterSchema.optional(),
        k: kSchema,
        cursor: cursorSchema,
      },
      outputSchema: pageShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) => run(() => searchPage(table, "search_variants", args, (s, opts) => s.text(args.query, opts))),
  );

  server.registerTool(
    "similar_variants",
    {
      title: "Variants similar to a stored one",
      description: `Find the stored variants nearest to one stored variant, given by variant_id (${ID_HINT}) or by chrom/pos/ref/alt, with the same filters as search_variants.`,
      inputSchema: {
        variant_id: z.string().max(1000).optional().describe(ID_HINT),
        variant: z
          .strictObject({ chrom: z.string().min(1), pos: z.int().min(1), ref: z.string().min(1), alt: z.string().min(1) })
          .optional()
          .describe("the variant by its fields, instead of variant_id"),
        filters: agentFilterSchema.optional(),
        k: kSchema,
        cursor: cursorSchema,
      },
      outputSchema: { ...pageShape, query_variant: z.string() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      run(async () => {
        const id = variantIdOf(args.variant_id, args.variant);
        return table.use(async ({ store }) => {
          if ((await store.getById(id)) === undefined) throw new ToolInputError(notFound(id, store));
          return searchPage(table, "similar_variants", args, (s, opts) => s.similar(id, opts), { query_variant: id });
        });
      }),
  );

  server.registerTool(
    "get_variant",
    {
      title: "One stored variant",
      description: `Every stored field of one variant (${ID_HINT}) and the description that was embedded for it, with its provenance.`,
      inputSchema: { variant_id: z.string().max(1000).describe(ID_HINT) },
      outputSchema: { variant: variantSchema, provenance: provenanceSchema },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      run(() =>
        table.use(async ({ store, search }) => {
          const id = variantIdOf(args.variant_id, undefined);
          const row = await store.getById(id);
          if (row === undefined || search === null) throw new ToolInputError(notFound(id, store));
          const provenance = { source: row.source, line: row.sourceLine, embeddedText: row.description, ...search.trace };
          const stored = row as unknown as Record<string, unknown>;
          const variant = Object.fromEntries(Object.keys(variantSchema.shape).map((k) => [k, stored[k] ?? null]));
          const structured = { variant, provenance };
          const what = [row.gene, row.consequence, row.clinicalSignificance].filter((x) => x !== null).join(", ");
          return result(`${row.variantId}${what ? ` (${what})` : ""} from ${row.source}:${row.sourceLine ?? "?"}`, structured);
        }),
      ),
  );

  server.registerTool(
    "dataset_stats",
    {
      title: "What the variant table holds",
      description:
        "Rows, vector width, embedder, PCA model and indexes of the table, and the filterable fields with their most frequent values (what search filters may use).",
      inputSchema: {},
      outputSchema: {
        table: z.string(),
        rows: z.int(),
        dimensions: z.int().nullable(),
        embedder: z.string(),
        pca_model: provenanceSchema.shape.pcaModel,
        metric: z.literal("cosine"),
        indexes: z.array(z.object({ name: z.string(), type: z.string(), columns: z.array(z.string()) })),
        filterable_fields: z.array(z.object({ field: z.string(), description: z.string(), top_values: z.array(z.object({ value: z.string(), count: z.int() })) })),
        token_budget: z.int(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () =>
      run(() =>
        table.use(async ({ store, search, service }) => {
          const stats = await store.stats();
          const fields = await topValues(store, stats.version);
          const trace = search?.trace ?? { embedder: service.provider.id, pcaModel: null, metric: "cosine" as const };
          const structured = {
            table: stats.table,
            rows: stats.rows,
            dimensions: stats.dims,
            embedder: trace.embedder,
            pca_model: trace.pcaModel,
            metric: trace.metric,
            indexes: stats.indices.map((i) => ({ name: i.name, type: i.type, columns: [...i.columns] })),
            filterable_fields: fields,
            token_budget: TOKEN_BUDGET,
          };
          return result(`table ${stats.table}: ${stats.rows} variants, ${stats.dims ?? "no"}-d vectors, embedder ${trace.embedder}`, structured);
        }),
      ),
  );
}

/** A tool input the handler refuses after the schema accepted it; its message is the tool error. */
class ToolInputError extends Error {}

/** Runs a handler; input errors (bad filter, cursor, id) and store errors become tool errors naming the field. */
async function run(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (e) {
    const known = e instanceof ToolInputError || e instanceof FilterInputError || e instanceof CursorError || e instanceof VcfAgentError;
    const message = known ? (e as Error).message : `internal error: ${(e as Error).message}`;
    return { content: [{ type: "text", text: message }], isError: true };
  }
}

function result(summary: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: summary }], structuredContent: structured };
}

type Searcher = (search: VariantSearch, options: { k: number; filters: ReturnType<typeof toStoreFilters> }) => Promise<TracedHit[]>;

/** One page of a search's hits under the budget, with a cursor for the rest. */
async function searchPage(
  table: VariantTable,
  tool: string,
  args: { filters?: AgentFilters | undefined; k: number; cursor?: string | undefined } & Record<string, unknown>,
  searcher: Searcher,
  extra: Record<string, unknown> = {},
): Promise<CallToolResult> {
  const filters = toStoreFilters(args.filters);
  const call = callFingerprint(tool, args);
  const cursor = decodeCursor(args.cursor, call);
  return table.use(async ({ store, search }) => {
    if (search === null) throw new ToolInputError(`table ${JSON.stringify(store.tableName)} does not exist yet; ingest a VCF first (vcf-agent ingest FILE)`);
    const version = await store.version();
    const hits = (await searcher(search, { k: args.k, filters })).map(hitOf);
    const offset = Math.min(cursor?.offset ?? 0, hits.length);
    const changed = cursor !== undefined && cursor.version !== version;
    const { result: page } = pageUnderBudget(hits, offset, (items: readonly AgentHit[], next) => {
      const cut = next !== null;
      const structured = {
        hits: items.map((h, i) => ({ rank: offset + i + 1, ...h })),
        total: hits.length,
        offset,
        returned: items.length,
        next_cursor: cut ? encodeCursor({ offset: next, call, version }) : null,
        truncated: cut,
        ...(cut || changed ? { note: noteOf(cut, changed, offset + items.length, hits.length) } : {}),
        ...extra,
      };
      const top = items[0];
      const summary =
        `${items.length} of ${hits.length} hit(s)${offset > 0 ? ` from rank ${offset + 1}` : ""}` +
        (top ? `; nearest ${top.variantId} ${[top.gene, top.consequence, top.clinicalSignificance].filter((x) => x !== null).join(" ")}` : "") +
        (cut ? `; more with cursor (results are cut to stay under ${TOKEN_BUDGET} tokens)` : "");
      return result(summary, structured);
    });
    return page;
  });
}

function noteOf(cut: boolean, changed: boolean, upTo: number, total: number): string {
  const parts: string[] = [];
  if (cut) parts.push(`cut after rank ${upTo} of ${total} to stay under ${TOKEN_BUDGET} tokens; call again with next_cursor for the rest`);
  if (changed) parts.push("the table changed since the first page (rows were added): ranks may have shifted");
  return parts.join("; ");
}

/** The variant id of `id` or `v`, checked. @throws ToolInputError naming the field */
function variantIdOf(id: string | undefined, v: { chrom: string; pos: number; ref: string; alt: string } | undefined): string {
  if ((id === undefined) === (v === undefined)) throw new ToolInputError(`give exactly one of variant_id (${ID_HINT}) or variant {chrom, pos, ref, alt}`);
  const out = id ?? `${v!.chrom}-${v!.pos}-${v!.ref}-${v!.alt}`;
  if (!VARIANT_ID.test(out)) {
    throw new ToolInputError(`${id !== undefined ? "variant_id" : "variant"}: ${JSON.stringify(out)} is not a variant id (${ID_HINT}; no spaces, no '-' inside a field)`);
  }
  return out;
}

function notFound(id: string, store: VariantStore): string {
  return `variant ${id} not found in table ${JSON.stringify(store.tableName)} (ids are ${ID_HINT}, after splitting multi-allelic sites)`;
}

const FIELD_COLUMNS: readonly [keyof typeof AGENT_FILTER_FIELDS, MetadataColumn | null][] = [
  ["gene", "gene"],
  ["chrom", "chrom"],
  ["region", null],
  ["clinical_significance", "clinical_significance"],
  ["consequence", "consequence"],
  ["review_status", "review_status"],
  ["af_min", null],
  ["af_max", null],
];

const valueCache = new WeakMap<VariantStore, { version: number | null; fields: unknown[] }>();

/** Each filterable field with its 10 most frequent values (one scan of those columns, cached per table version). */
async function topValues(store: VariantStore, version: number | null): Promise<{ field: string; description: string; top_values: { value: string; count: number }[] }[]> {
  const cached = valueCache.get(store);
  if (cached !== undefined && cached.version === version) return cached.fields as never;
  const counts = await store.valueCounts(FIELD_COLUMNS.flatMap(([, column]) => (column === null ? [] : [column])), 10);
  const fields = FIELD_COLUMNS.map(([field, column]) => ({ field, description: AGENT_FILTER_FIELDS[field], top_values: column === null ? [] : (counts.get(column) ?? []) }));
  valueCache.set(store, { version, fields });
  return fields;
}

export type { StoredVariant };
