// `aic_perf_model` in the planner config: the native AIC forward-pass model the planner estimates
// with, times a learned correction (reference core/perf_model/rust_adapter.py
// `PlannerEnginePerfModel._build_aic_config` + `RustEnginePerfModel.best_available`). Prefill uses
// `prefill_pick`, decode and aggregated engines `decode_pick`. When AIC cannot serve the model
// (no perf database, unknown model or system) the planner falls back to the regression, with the
// reference's warning. The AIC model prices raw iterations: no MTP multiplier (FPM counts are
// already per iteration).
import { parseEngineArgs } from '../config/engine-args.js';
import { nativeEngineConfig } from '../core/engine-config.js';
import { evaluateForwardPasses } from '../core/native.js';
import { ReplayError } from '../errors.js';
import { resolvePerfModel } from '../perf/resolve.js';
import type { AicPerfModelSpec, PickedParallelConfig, PlannerConfig } from './config.js';
import { NativeForwardPassModel } from './native-model.js';
import { regressionOptionsFromConfig } from './perf-model.js';
import type { ForwardPassModelFactory } from './replay-planner.js';

export interface AicPerfModelOptions {
  /** Where AIC's systems folder is (the replay's `aic_systems_path` / `--aic-systems-path`). */
  aicSystemsPath?: string | null;
  env?: Record<string, string | undefined>;
  onNote?: (line: string) => void;
}

async function factoryFor(spec: AicPerfModelSpec, pick: PickedParallelConfig, config: PlannerConfig, options: AicPerfModelOptions): Promise<ForwardPassModelFactory | null> {
  const args = parseEngineArgs(
    {
      aic_backend: spec.backend,
      aic_system: spec.system,
      aic_model_path: spec.hf_id,
      aic_tp_size: pick.tp,
      ...(spec.backend_version !== null ? { aic_backend_version: spec.backend_version } : {}),
      ...(spec.weight_dtype !== null ? { aic_gemm_dtype: spec.weight_dtype } : {}),
      ...(spec.moe_dtype !== null ? { aic_moe_dtype: spec.moe_dtype } : {}),
      ...(spec.kv_cache_dtype !== null ? { aic_kv_cache_dtype: spec.kv_cache_dtype } : {}),
    },
    '--planner-config aic_perf_model',
    options.aicSystemsPath ? { aicSystemsPath: options.aicSystemsPath } : {},
  );
  let reason: string | null = null;
  let engine = null;
  try {
    const perf = await resolvePerfModel(args, { env: options.env ?? process.env, warn: () => {} });
    if (perf.info.model === 'aic_database') engine = nativeEngineConfig(args, perf);
    else reason = `no AIC perf database for ${spec.system} (${perf.description})`;
  } catch (error) {
    if (!(error instanceof ReplayError)) throw error;
    reason = error.message;
  }
  if (engine === null) {
    options.onNote?.(`native forward-pass estimator unavailable; using fallback regression: ${reason}`);
    return null;
  }
  const native = engine;
  const evaluate = (rows: Float64Array) => evaluateForwardPasses(native, rows) ?? new Float64Array(rows.length / 5);
  const regression = regressionOptionsFromConfig(config);
  return (limits) => new NativeForwardPassModel(evaluate, { maxNumTokens: limits.maxNumBatchedTokens, maxBatchSize: limits.maxNumSeqs, maxKvTokens: limits.maxKvTokens }, regression);
}

/** The forward-pass models `aic_perf_model` asks for, per role (none without it, or outside SLA mode). */
export async function aicForwardPassModels(
  config: PlannerConfig,
  options: AicPerfModelOptions,
): Promise<{ prefill?: ForwardPassModelFactory | null; decode?: ForwardPassModelFactory | null }> {
  const spec = config.aic_perf_model;
  if (spec === null || config.optimization_target !== 'sla') return {};
  const prefill = config.mode !== 'agg' && spec.prefill_pick ? await factoryFor(spec, spec.prefill_pick, config, options) : null;
  const decode = spec.decode_pick ? await factoryFor(spec, spec.decode_pick, config, options) : null;
  return { prefill, decode };
}
