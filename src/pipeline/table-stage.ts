/**
 * Which output stage a table needs: the PCA model saved next to it, full width, or a
 * new PCA fit for a new table. One table holds one width; everything here enforces it
 * before any embedding work starts.
 */
import { existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { SessionConfig } from "../config.js";
import { stageRequestOf } from "../embedding/service.js";
import type { EmbeddingProvider } from "../providers/provider.js";
import { planStage, stageFor, type StagePlan, type StageRequest } from "../reduce/choose-stage.js";
import type { OutputStage } from "../reduce/stage.js";
import { VcfAgentError } from "../errors.js";
import { loadModel, parseModel, saveModel, serializeModel } from "../reduce/model-file.js";
import { fitPcaAsync, type PcaModel } from "../reduce/pca.js";
import { PCA_KEY, type VariantStore } from "../store/index.js";
import type { TrainingSample } from "./training.js";

/** Where a table's PCA model is kept: a file beside a local table, or the table's metadata in its object store. */
export interface ModelLocation {
  /** The path or store location, for messages. */
  readonly describe: string;
  /** The stored model (checked against the provider), or undefined when there is none. */
  load(expect: { providerId: string; inputDimensions: number }): Promise<PcaModel | undefined>;
  /** Stores `model` atomically (readers see the old one or the new one). */
  save(model: PcaModel): Promise<void>;
}

/** The stage for a table, and how to persist a model fitted during this run. */
export interface TableStage {
  readonly stage: OutputStage;
  /** Where the table's PCA model lives. */
  readonly model: ModelLocation;
  /** A model fitted in this run and not yet saved (set by the stage's callback). */
  pendingModel: PcaModel | null;
  /** What was decided, for the summary. */
  readonly note: string;
}

/** Writes a freshly fitted model with the table, before the first row that needs it. */
export async function persistPendingModel(ts: TableStage): Promise<void> {
  const model = ts.pendingModel;
  if (model === null) return;
  // Another ingest of a new table may have stored its model while this one fitted: one table, one model.
  if ((await ts.model.load({ providerId: model.providerId, inputDimensions: model.inputDimensions })) !== undefined) {
    throw new VcfAgentError(
      `${ts.model.describe}: another ingest stored this table's PCA model while this one was fitting its own; nothing was written: rerun the same command to use the stored model`,
      "PCA",
    );
  }
  await ts.model.save(model);
  ts.pendingModel = null;
}

/** The model location of `store`'s table: `<db>/<table>.pca` locally, the table's metadata (key `pca`) on object storage. */
export function modelLocationOf(store: VariantStore): ModelLocation {
  const file = store.pcaModelPath;
  if (file !== null) {
    return {
      describe: file,
      load: async (expect) => (existsSync(file) ? loadModel(file, expect) : undefined),
      save: async (model) => void (await saveModel(model, dirname(file), basename(file, ".pca"))),
    };
  }
  const describe = store.meta.describe(store.uri, PCA_KEY);
  return {
    describe,
    load: async (expect) => {
      const bytes = await store.meta.get(PCA_KEY);
      return bytes === undefined ? undefined : parseModel(bytes, describe, expect);
    },
    save: (model) => store.meta.put(PCA_KEY, serializeModel(model)),
  };
}

/**
 * The output stage for writing into (or querying) `store`'s table with `provider`.
 * @param forWrite when false (search), a missing table is an error rather than a new fit.
 * @param training for a new reduced table: draws a sample of the input to fit PCA on up
 *   front (file inputs); without it the stage fits on the first vectors (streams).
 * @throws VcfAgentError "STORE"/"PCA" when the table's width, its model or the provider disagree.
 */
export async function stageForTable(
  store: VariantStore,
  provider: EmbeddingProvider,
  config: SessionConfig,
  forWrite: boolean,
  training?: (size: number) => Promise<TrainingSample>,
  signal?: AbortSignal,
): Promise<TableStage> {
  const mem = config.memoryOptimization;
  const location = modelLocationOf(store);
  const where = `table ${JSON.stringify(store.tableName)} in ${store.uri}`;
  const tableDims = store.dims;
  const req: StageRequest = stageRequestOf(provider, mem);
  const chosen = (plan: StagePlan, note?: string, pendingModel: PcaModel | null = null): TableStage => ({
    stage: stageFor(plan, req),
    model: location,
    pendingModel,
    note: note ?? (plan.kind === "full-width" ? plan.reason : ""),
  });

  const model = await location.load({ providerId: provider.id, inputDimensions: provider.dimensions });
  if (model !== undefined) {
    if (tableDims !== null && tableDims !== model.outputDimensions) {
      throw new VcfAgentError(`${where} stores ${tableDims}-d vectors but its PCA model ${location.describe} gives ${model.outputDimensions}-d`, "PCA");
    }
    return chosen(planStage({ ...req, model }), `PCA ${model.inputDimensions}→${model.outputDimensions} from ${location.describe}`);
  }

  if (tableDims !== null) {
    if (tableDims === provider.dimensions) return chosen(planStage({ ...req, storedFullWidth: { reason: `${where} stores full-width vectors` } }));
    throw new VcfAgentError(
      `${where} stores ${tableDims}-d vectors; provider ${provider.id} gives ${provider.dimensions}-d` +
        ` and there is no PCA model at ${location.describe}` +
        " (one table holds one width: use another --table)",
      "STORE",
    );
  }

  if (!forWrite) throw new VcfAgentError(`${where} does not exist yet; ingest a VCF first (vcf-agent ingest FILE)`, "STORE");

  const plan = planStage(req);
  if (plan.kind !== "fit") return chosen(plan);
  if (training !== undefined) {
    // A file: fit on a sample spread over the whole input before anything is written.
    const sample = await training(plan.trainingSamples);
    const min = 2 * plan.targetDimensions;
    if (sample.n < min) {
      const reason = `too few samples: ${sample.n} < ${min} (PCA to ${plan.targetDimensions} needs at least 2 × ${plan.targetDimensions} variants); storing full width`;
      return chosen({ kind: "full-width", reason, reduction: "none", originalDimensions: provider.dimensions });
    }
    // Seconds of work: yielding keeps Ctrl-C / SIGTERM and metrics scrapes answered, and the signal stops it.
    const model = await fitPcaAsync(sample.vectors.subarray(0, sample.n * provider.dimensions), {
      outputDimensions: plan.targetDimensions,
      providerId: provider.id,
      inputDimensions: provider.dimensions,
      ...(signal === undefined ? {} : { signal }),
    });
    const note = `PCA ${provider.dimensions}→${plan.targetDimensions} fitted on ${sample.n} variants sampled from all ${sample.population} in ${model.fitSeconds.toFixed(1)} s`;
    return chosen({ kind: "model", model, trainingSamples: plan.trainingSamples }, note, model);
  }
  const ts: TableStage = {
    stage: undefined as unknown as OutputStage,
    model: location,
    pendingModel: null,
    note: `PCA ${provider.dimensions}→${plan.targetDimensions} fitted on the first ${plan.trainingSamples} variants`,
  };
  (ts as { stage: OutputStage }).stage = stageFor(plan, req, (m) => {
    ts.pendingModel = m;
  });
  return ts;
}
