// How a disaggregated replay sizes its KV hand-off from the engine args.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildSimConfig, resolveTopology } from '../../src/api.js';

const systems = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/aic/systems');
const present = existsSync(systems);
if (!present) console.warn(`skipping the AIC-derived KV size case: ${systems} is absent`);

async function transfer(prefill: Record<string, unknown>, decode: Record<string, unknown>) {
  const options = { traceFiles: ['unused.jsonl'], prefillEngineArgs: prefill, decodeEngineArgs: decode };
  const config = await buildSimConfig(resolveTopology(options), options);
  return { bytes: config.kvBytesPerToken, gbps: config.kvTransferGbps, timing: config.kvTransferTiming };
}

describe('disaggregated KV hand-off size', () => {
  it('defaults to no delay without a model, at the reference CLI bandwidth of 64 GB/s', async () => {
    expect(await transfer({}, {})).toEqual({ bytes: 0, gbps: 64, timing: 'full_prompt' });
  });

  it('takes explicit decode-side kv_bytes_per_token, bandwidth and timing mode', async () => {
    const t = await transfer({}, { kv_bytes_per_token: 4096, kv_transfer_bandwidth: 25, kv_transfer_timing_mode: 'destination_missing' });
    expect(t).toEqual({ bytes: 4096, gbps: 25, timing: 'destination_missing' });
  });

  it.skipIf(!present)('derives it from the model the AIC args name: Llama-3.1-8B FP8 = 32 × 2 × 8 × 128 × 1 byte', async () => {
    const aic = { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_tp_size: 1, aic_systems_path: systems };
    expect((await transfer(aic, aic)).bytes).toBe(65536);
  });
});
