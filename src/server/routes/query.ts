/** POST /v1/search and POST /v1/embed. */
import { performance } from "node:perf_hooks";
import type { FastifyInstance } from "fastify";
import type { QueryOptions } from "../../pipeline/search.js";
import type { Filter, VariantHit } from "../../store/index.js";
import { HttpError } from "../_errors.js";
import { Limiter } from "../_limit.js";
import type { ServerContext } from "../context.js";
import { embedSchema, searchSchema } from "../schemas.js";

interface SearchBody {
  text?: string;
  variantId?: string;
  k: number;
  filters: (string | Filter)[];
  nprobes?: number;
  refineFactor?: number;
  exact?: boolean;
}

/** Registers the search and embed routes. */
export function registerQueryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const searches = new Limiter(ctx.searchConcurrency);
  app.post("/v1/search", { schema: searchSchema }, async (request) => {
    const body = request.body as SearchBody;
    if ((body.text === undefined) === (body.variantId === undefined)) {
      throw new HttpError(400, "body must have exactly one of text (a query) or variantId (find similar variants)");
    }
    const t0 = performance.now();
    const options: QueryOptions = {
      k: body.k,
      filters: body.filters,
      ...(body.nprobes === undefined ? {} : { nprobes: body.nprobes }),
      ...(body.refineFactor === undefined ? {} : { refineFactor: body.refineFactor }),
      ...(body.exact === undefined ? {} : { exact: body.exact }),
    };
    return ctx.table.use(async ({ search, store }) => {
      if (search === null) {
        throw new HttpError(404, `table ${JSON.stringify(store.tableName)} in ${store.uri} does not exist yet; POST a VCF to /v1/ingest first`);
      }
      const hits: VariantHit[] = await searches.run(async () => {
        if (body.text !== undefined) return search.text(body.text, options);
        const id = body.variantId as string;
        if ((await store.getById(id, { includeVector: false })) === undefined) {
          throw new HttpError(404, `body/variantId: variant ${JSON.stringify(id)} is not in table ${JSON.stringify(store.tableName)} (ids are chrom-pos-ref-alt, e.g. 17-43045712-G-A)`);
        }
        return search.similar(id, options);
      });
      return { hits: hits.map(withoutVector), k: body.k, tookMs: Math.round((performance.now() - t0) * 100) / 100 };
    });
  });

  app.post("/v1/embed", { schema: embedSchema }, async (request) => {
    const { texts } = request.body as { texts: string[] };
    return ctx.table.use(async ({ service }) => {
      const vectors = await service.embedQueries(texts);
      return { dimensions: vectors[0]?.length ?? service.embeddingDimensions, vectors: vectors.map((v) => Array.from(v)) };
    });
  });
}

function withoutVector(hit: VariantHit): Omit<VariantHit, "vector"> {
  if (hit.vector === undefined) return hit;
  const { vector: _vector, ...rest } = hit;
  return rest;
}
