// DeepSeek-V3 disaggregated with the planner in the loop on the Mooncake synthetic trace: prefill
// TP 8 / EP 8, decode attention DP 8 / EP 8, both on h200_sxm with AIC's database model. Every
// worker holds 8 GPUs, and the report's GPU-hours must be the integral of provisioned GPUs.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { hasSharedAic, systemsPath } from './helpers.js';
// @ts-expect-error plain JS module shared with the benchmarks
import { guidePlannerConfig } from '../../bench/guide.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const trace = path.resolve(here, '../../../shared/traces/mooncake_synthetic_trace.jsonl');
const present = hasSharedAic && existsSync(trace);
if (!present) console.warn(`skipping the DeepSeek-V3 disagg planner run: ${trace} or ../shared/aic is absent`);

const deepseek = { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_systems_path: systemsPath };

interface ScalingEvent {
  at_s: number;
  component: string;
  reason: string;
  to_count: number;
}

describe(present ? 'DeepSeek-V3 disagg with the planner' : 'DeepSeek-V3 disagg with the planner (SKIPPED: ../shared absent)', () => {
  it.skipIf(!present)(
    'completes the trace; GPU-hours = ∫ provisioned workers × 8 GPUs',
    async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'dynosim-dsv3-'));
      // The guide's disagg planner settings, with 8-GPU engines.
      const plannerConfig = guidePlannerConfig({
        mode: 'disagg',
        prefill_engine_num_gpu: 8,
        decode_engine_num_gpu: 8,
        // The planner's default budget (8 GPUs) would not fit even one 8-GPU worker per pool.
        max_gpu_budget: 128,
        report_output_dir: out,
        report_filename: 'dsv3.html',
      });
      const { report } = await replay({
        traceFiles: [trace],
        plannerConfig,
        prefillEngineArgs: { ...deepseek, aic_tp_size: 8, aic_moe_tp_size: 1, aic_moe_ep_size: 8 },
        decodeEngineArgs: { ...deepseek, aic_tp_size: 1, aic_attention_dp_size: 8, aic_moe_tp_size: 1, aic_moe_ep_size: 8 },
        numPrefillWorkers: 1,
        numDecodeWorkers: 1,
        arrivalSpeedupRatio: 1,
      });
      expect(report.completed_requests).toBe(3993);
      expect(report.prefill_gpus_per_worker).toBe(8); // TP 8
      expect(report.decode_gpus_per_worker).toBe(8); // TP 1 × attention DP 8
      const prefillSeconds = report.prefill_worker_seconds as number;
      const decodeSeconds = report.decode_worker_seconds as number;
      expect(report.gpu_hours).toBeCloseTo(((prefillSeconds + decodeSeconds) * 8) / 3600, 9);

      // The integral of provisioned workers, rebuilt from the planner's scaling events (start
      // time 0, so a scale-up provisions at once; a scale-down keeps the worker until it drains).
      const duration = (report.duration_ms as number) / 1000;
      const events = (report.planner as { scaling_events: ScalingEvent[] }).scaling_events;
      const integral = (component: string) => {
        let workers = 1;
        let since = 0;
        let total = 0;
        for (const e of events.filter((x) => x.component === component)) {
          total += workers * (e.at_s - since);
          since = e.at_s;
          workers = e.to_count;
        }
        return total + workers * (duration - since);
      };
      expect(events.some((e) => e.component === 'prefill' && e.reason === 'scale_up')).toBe(true);
      const drains = events.filter((e) => e.component === 'prefill' && e.reason === 'scale_down').length;
      const drainTail = prefillSeconds - integral('prefill');
      expect(drainTail).toBeGreaterThanOrEqual(0);
      // Each drained worker outlives its scale-down only by the prefills it still holds.
      expect(drainTail).toBeLessThanOrEqual((drains * (report.max_ttft_ms as number)) / 1000);
      expect(decodeSeconds - integral('decode')).toBeGreaterThanOrEqual(0);
      expect(decodeSeconds - integral('decode')).toBeLessThanOrEqual(
        (events.filter((e) => e.component === 'decode' && e.reason === 'scale_down').length * (report.max_e2e_latency_ms as number)) / 1000,
      );
    },
  );
});
