// GPUs per worker in GPU-hours, as Dynamo's replay counts them: `aic_gpus_per_worker` =
// `aic_tp_size` × the worker's materialised DP ranks (aisimulate/crates/engine/src/common/
// protocols.rs, MockEngineArgs::aic_gpus_per_worker); aggregated replay records (0, that count)
// for (prefill, decode) (replay/src/agg.rs, set_gpus_per_worker) and
// gpu_hours = Σ_role worker_seconds × gpus_per_worker / 3600 (replay/src/report.rs).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { defaultEngineArgs } from '../../src/config/engine-args.js';
import { gpusPerWorker } from '../../src/core/engine-config.js';
import { capabilitiesFromEngineArgs } from '../../src/planner/capabilities.js';

const trace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/trace.jsonl');

describe('GPUs per worker (MockEngineArgs::aic_gpus_per_worker)', () => {
  it('is TP × DP ranks: dp_size, or AIC attention DP when only that is set', () => {
    const args = (over: Partial<ReturnType<typeof defaultEngineArgs>>) => ({ ...defaultEngineArgs(), ...over });
    expect(gpusPerWorker(args({}))).toBe(1);
    expect(gpusPerWorker(args({ dp_size: 2 }))).toBe(2);
    expect(gpusPerWorker(args({ dp_size: 2, aic_tp_size: 4 }))).toBe(8);
    expect(gpusPerWorker(args({ aic_tp_size: 2, aic_attention_dp_size: 4 }))).toBe(8);
    // The planner counts the same GPUs (its GPU-hours and budget agree with the report's).
    expect(capabilitiesFromEngineArgs(args({ dp_size: 2 })).num_gpu).toBe(2);
    expect(capabilitiesFromEngineArgs(args({ dp_size: 2, aic_tp_size: 4 })).num_gpu).toBe(8);
  });

  it('an aggregated report has no prefill GPUs and counts decode worker-seconds × TP × DP', async () => {
    const { report } = await replay({ traceFiles: [trace], numWorkers: 2, extraEngineArgs: { dp_size: 2, aic_tp_size: 2 } });
    expect(report.prefill_gpus_per_worker).toBe(0);
    expect(report.prefill_worker_seconds).toBe(0);
    expect(report.decode_gpus_per_worker).toBe(4);
    expect(report.gpu_hours).toBeCloseTo((report.decode_worker_seconds * 4) / 3600, 12);
  });
});
