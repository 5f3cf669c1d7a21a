// The KV hand-off of a disaggregated replay (issue 9, item 7). The reference takes the transfer
// model from the source (prefill) worker: it publishes HandoffTransferTiming { mode,
// kv_bytes_per_token, bandwidth_gb_s } when its KV is held, and HandoffTransferTiming::delay_ms
// is None unless both are set and the bandwidth is positive; HandoffCoordinatorCore::advance_active
// (aisimulate/crates/replay/src/handoff.rs) then uses the adapter's fallback, 0 ms for Dynamo's
// replay (disaggregated_replay_setup: handoff_latency_ms 0.0). Its own fixture sets the delay on
// the prefill args (disagg_tests.rs, disagg_config_with_handoff_delay). No default bandwidth and
// no bytes per token derived from the model.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildSimConfig, replay, resolveTopology } from '../../src/api.js';

const systems = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/aic/systems');
const present = existsSync(systems);
if (!present) console.warn(`skipping the AIC hand-off case: ${systems} is absent`);

async function transfer(prefill: Record<string, unknown>, decode: Record<string, unknown>) {
  const notes: string[] = [];
  const options = { traceFiles: ['unused.jsonl'], prefillEngineArgs: prefill, decodeEngineArgs: decode, onNote: (l: string) => notes.push(l) };
  const config = await buildSimConfig(resolveTopology(options), options);
  return { bytes: config.kvBytesPerToken, gbps: config.kvTransferGbps, timing: config.kvTransferTiming, notes };
}

const NOTE = /^note: no KV transfer model \(kv_bytes_per_token and a positive kv_transfer_bandwidth in --prefill-engine-args\)/;

describe('disaggregated KV hand-off', () => {
  it('takes no time without a transfer model, and says so once', async () => {
    const t = await transfer({}, {});
    expect(t).toMatchObject({ bytes: 0, gbps: 0, timing: 'full_prompt' });
    expect(t.notes.filter((l) => NOTE.test(l))).toHaveLength(1);
  });

  it('takes kv_bytes_per_token, bandwidth and timing mode from the prefill engine args', async () => {
    const t = await transfer({ kv_bytes_per_token: 4096, kv_transfer_bandwidth: 25, kv_transfer_timing_mode: 'destination_missing' }, {});
    expect(t).toMatchObject({ bytes: 4096, gbps: 25, timing: 'destination_missing', notes: [] });
  });

  it('ignores the decode engine args', async () => {
    const t = await transfer({}, { kv_bytes_per_token: 4096, kv_transfer_bandwidth: 25, kv_transfer_timing_mode: 'destination_missing' });
    expect(t).toMatchObject({ bytes: 0, gbps: 0, timing: 'full_prompt' });
    expect(t.notes.some((l) => NOTE.test(l))).toBe(true);
  });

  it('needs both keys: bytes alone or a zero bandwidth add no delay', async () => {
    for (const prefill of [{ kv_bytes_per_token: 4096 }, { kv_transfer_bandwidth: 25 }, { kv_bytes_per_token: 4096, kv_transfer_bandwidth: 0 }]) {
      const t = await transfer(prefill, {});
      expect((t.bytes ?? 0) * (t.gbps ?? 0)).toBe(0);
      expect(t.notes.some((l) => NOTE.test(l))).toBe(true);
    }
  });

  it.skipIf(!present)('derives nothing from the AIC model (Llama-3.1-8B FP8 would be 65,536 bytes per token)', async () => {
    const aic = { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_tp_size: 1, aic_systems_path: systems };
    expect(await transfer(aic, aic)).toMatchObject({ bytes: 0, gbps: 0 });
  });

  it('end to end: each hand-off waits prompt tokens × bytes / bandwidth (1 MB per token at 1 GB/s = 1 ms per token)', async () => {
    const base = { inputTokens: 100, outputTokens: 4, requestCount: 6, arrivalIntervalMs: 2000, onNote: () => {} };
    const delayed = await replay({ ...base, prefillEngineArgs: { kv_bytes_per_token: 1_000_000, kv_transfer_bandwidth: 1 }, decodeEngineArgs: {} });
    const instant = await replay({ ...base, prefillEngineArgs: {}, decodeEngineArgs: { kv_bytes_per_token: 1_000_000, kv_transfer_bandwidth: 1 } });
    const h = delayed.results.requests.handoff!;
    for (let i = 0; i < 6; i++) expect(h.destinationActivatedMs[i]! - h.destinationReservedMs[i]!).toBeCloseTo(100, 9);
    const g = instant.results.requests.handoff!;
    for (let i = 0; i < 6; i++) expect(g.destinationActivatedMs[i]).toBe(g.destinationReservedMs[i]);
    expect(delayed.report.median_ttft_ms - instant.report.median_ttft_ms).toBeCloseTo(100, 6);
  });
});
