// `aic_perf_model`: AIC × correction for the planner (aiconfigurator-core fpm/model.rs
// `from_native` / `best_available`, fpm/correction.rs `CorrectionBuckets`, engine/runtime.rs
// `forward_pass_time_ms`; dynamo planner core/perf_model/rust_adapter.py). The correction cases are
// fpm/tests.rs native_correction_* with a stand-in native estimate; the AIC cases read ../shared/aic.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { parseEngineArgs } from '../../src/config/engine-args.js';
import { nativeEngineConfig } from '../../src/core/engine-config.js';
import { evaluateForwardPasses, evaluatePerfModel } from '../../src/core/native.js';
import { resolvePerfModel } from '../../src/perf/resolve.js';
import { NativeForwardPassModel } from '../../src/planner/native-model.js';
import { makePass } from '../../src/planner/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const systems = path.resolve(here, '../../../shared/aic/systems');
const aicPresent = existsSync(systems);
if (!aicPresent) console.warn(`skipping the AIC planner-model checks: ${systems} is absent (../shared is not checked out)`);

// A stand-in native estimate: 1 ms per prefill token, 0.5 ms per decode request.
const fake = (rows: Float64Array) => Float64Array.from({ length: rows.length / 5 }, (_, i) => rows[5 * i + 1]! + 0.5 * rows[5 * i + 3]!);
const prefill = (tokens: number, wallMs: number) => [makePass({ numPrefillRequests: 1, sumPrefillTokens: tokens, wallTimeSecs: wallMs / 1000 })];
const model = (over: { minObservations?: number; maxObservations?: number; bucketCount?: number; maxNumTokens?: number } = {}) =>
  new NativeForwardPassModel(fake, { maxNumTokens: over.maxNumTokens ?? 8192, maxBatchSize: 512, maxKvTokens: 2_000_000 }, {
    minObservations: over.minObservations ?? 2,
    maxObservations: over.maxObservations ?? 64,
    bucketCount: over.bucketCount ?? 16,
  });

describe('native correction (fpm/correction.rs)', () => {
  it('native_model_starts_ready_with_aic_source: ready before any observation, the native estimate as is', () => {
    const m = model();
    expect(m.ready).toBe(true);
    expect(m.estimateMs(prefill(20, 0))).toBe(20);
    expect(m.retainedObservations).toBe(0);
  });

  it('native_correction_applies_after_bucket_is_ready: two 2× samples → 2× the native estimate', () => {
    const m = model();
    m.tuneAll([prefill(20, 40)]);
    expect(m.estimateMs(prefill(20, 0))).toBe(20); // one sample: the kind is not ready yet
    m.tuneAll([prefill(20, 40)]);
    expect(m.estimateMs(prefill(20, 0))).toBe(40);
  });

  it('native_default_directional_correction_bounds_are_applied_at_observation_ingestion: 0.1× and 100× → median of [0.5, 2.0] = 1.25', () => {
    const m = model();
    m.tuneAll([prefill(20, 2), prefill(20, 2000)]);
    expect(m.estimateMs(prefill(20, 0))).toBeCloseTo(25, 12);
  });

  it('native_correction_recovers_from_saturated_slower_ceiling: [2, 2, 2, 2] → [2, 2, 1, 1] = 1.5 → [1, 1, 1, 1] = 1', () => {
    const m = model({ maxObservations: 4 });
    m.tuneAll([prefill(20, 1800), prefill(20, 1800), prefill(20, 1800), prefill(20, 1800)]);
    expect(m.estimateMs(prefill(20, 0))).toBe(40);
    m.tuneAll([prefill(20, 20), prefill(20, 20)]);
    expect(m.estimateMs(prefill(20, 0))).toBe(30);
    m.tuneAll([prefill(20, 20), prefill(20, 20)]);
    expect(m.estimateMs(prefill(20, 0))).toBe(20);
  });

  it('native_correction_min_observations_is_workload_kind_wide_and_empty_regions_default_to_one', () => {
    // 4 buckets over 0..100 tokens: 10 → bucket 0 (2×, 2×), 50 → bucket 2 (1.5×); 30 (bucket 1)
    // is empty. (The reference case uses 3× with the slower bound off; the default bound is 2×.)
    const m = model({ bucketCount: 4, maxNumTokens: 100 });
    m.tuneAll([prefill(10, 20), prefill(10, 20), prefill(50, 75)]);
    expect(m.estimateMs(prefill(10, 0))).toBe(20);
    expect(m.estimateMs(prefill(30, 0))).toBe(30);
    expect(m.estimateMs(prefill(50, 0))).toBe(75);
  });

  it('native_correction_uses_configured_bounds_and_ignores_out_of_range_observations', () => {
    const m = model({ bucketCount: 4, maxNumTokens: 40 });
    m.tuneAll([prefill(50, 100), prefill(50, 100)]);
    expect(m.retainedObservations).toBe(0);
    expect(m.estimateMs(prefill(50, 0))).toBe(50);
  });
});

describe.skipIf(!aicPresent)('the AIC estimate of observed passes (engine/runtime.rs forward_pass_time_ms)', () => {
  const engineFor = async () => {
    const args = parseEngineArgs({ aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_tp_size: 1 }, 'test', { aicSystemsPath: systems });
    return nativeEngineConfig(args, await resolvePerfModel(args, { warn: () => {} }));
  };

  it('forward_pass_prefill_matches_run_context_ops / forward_pass_decode_matches_run_generation_ops_step', async () => {
    const engine = await engineFor();
    // 2 prefill requests of 1,000 new tokens after 500 cached; 16 decodes at an average KV of 2,001.
    const out = evaluateForwardPasses(engine, Float64Array.of(2, 2000, 1000, 0, 0, 0, 0, 0, 16, 16 * 2001))!;
    const ref = evaluatePerfModel(engine, Float64Array.of(2, 1500, 500), Float64Array.of(16, 2000));
    expect(out[0]).toBeCloseTo(ref.prefillMs[0]!, 9);
    expect(out[1]).toBeCloseTo(ref.decodeMs[0]!, 9); // AIC's step at s = 2,001 is decode_ms at context 2,000
    // A mixed pass costs more than its prefill alone and less than prefill + a full decode step.
    const mixed = evaluateForwardPasses(engine, Float64Array.of(1, 4000, 0, 16, 16 * 2001, 1, 4000, 0, 0, 0, 0, 0, 0, 16, 16 * 2001))!;
    expect(mixed[0]).toBeGreaterThan(mixed[1]!);
    expect(mixed[0]).toBeLessThan(mixed[1]! + mixed[2]!);
    // A pass with no work costs nothing; non-AIC engines answer null.
    expect(evaluateForwardPasses(engine, new Float64Array(5))![0]).toBe(0);
  });

  it('with aic_perf_model in the planner config the first load tick already has estimates (rust_adapter.py best_available)', async () => {
    const trace = path.resolve(here, '../../examples/trace.jsonl');
    const base = { mode: 'agg', optimization_target: 'sla', ttft_ms: 1500, itl_ms: 50, enable_throughput_scaling: true, enable_load_scaling: true, throughput_adjustment_interval_seconds: 300, load_adjustment_interval_seconds: 10, report_output_dir: mkdtempSync(path.join(tmpdir(), 'dynosim-native-')) };
    const spec = { hf_id: 'nvidia/Llama-3.1-8B-Instruct-FP8', system: 'h200_sxm', backend: 'vllm', decode_pick: { tp: 1 } };
    const run = async (planner: Record<string, unknown>) => {
      const notes: string[] = [];
      const { planner: p } = await replay({
        traceFiles: [trace],
        plannerConfig: JSON.stringify(planner),
        extraEngineArgs: { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_tp_size: 1, aic_systems_path: systems },
        numWorkers: 2,
        onNote: (l) => notes.push(l),
      });
      return { notes, first: p!.summary.snapshots.find((s) => s.loadReason !== null)! };
    };
    const regression = await run(base);
    expect(regression.first.estimatedItlMs).toBeNull();
    const native = await run({ ...base, aic_perf_model: spec });
    expect(native.first.timestampS).toBe(10);
    expect(native.first.estimatedItlMs).toBeGreaterThan(1);
    expect(native.first.estimatedTtftMs).toBeGreaterThan(0);
    // Also without a pre-deployment sweep.
    const none = await run({ ...base, pre_deployment_sweeping_mode: 'none', aic_perf_model: spec });
    expect(none.first.estimatedItlMs).toBeGreaterThan(1);
    // A model AIC cannot serve: the reference's warning, then the regression.
    const bad = await run({ ...base, aic_perf_model: { ...spec, hf_id: 'no-such/model' } });
    expect(bad.notes.some((n) => n.startsWith('native forward-pass estimator unavailable; using fallback regression:'))).toBe(true);
    expect(bad.first.estimatedItlMs).toBeNull();
  });
});
