// The perf models inside a replay: AIC args reach the core (latencies and the KV estimate), and
// the stderr notes come out once.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { hasSharedAic, systemsPath } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const trace = resolve(here, '../../examples/trace.jsonl');

let savedCache: string | undefined;
beforeAll(() => {
  savedCache = process.env.DYNOSIM_CACHE_DIR;
  process.env.DYNOSIM_CACHE_DIR = 'off';
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.DYNOSIM_CACHE_DIR;
  else process.env.DYNOSIM_CACHE_DIR = savedCache;
});

describe(hasSharedAic ? 'replay with the AIC perf model' : 'replay with the AIC perf model (SKIPPED: ../shared/aic absent)', () => {
  it.skipIf(!hasSharedAic)('runs the example trace on the database model with the estimated KV capacity', async () => {
    const notes: string[] = [];
    const aic = await replay({
      traceFiles: [trace],
      numWorkers: 2,
      extraEngineArgs: { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_systems_path: systemsPath },
      onNote: (l) => notes.push(l),
    });
    const poly = await replay({ traceFiles: [trace], numWorkers: 2 });
    expect(aic.report.completed_requests).toBe(poly.report.completed_requests);
    // An FP8 8B on an H200 prefills far faster than the reference polynomial's 16.5 ms floor.
    expect(aic.report.mean_ttft_ms).toBeLessThan(poly.report.mean_ttft_ms);
    expect(notes.filter((n) => n.includes('lacks tables'))).toHaveLength(1);
  });
});

describe('replay without a database', () => {
  it('falls back to the analytical model with one note', async () => {
    const saved = process.env.AIC_SYSTEMS_PATH;
    delete process.env.AIC_SYSTEMS_PATH;
    try {
      const notes: string[] = [];
      const r = await replay({
        inputTokens: 512,
        outputTokens: 16,
        requestCount: 20,
        numWorkers: 1,
        extraEngineArgs: { aic_backend: 'vllm', aic_system: 'b200_sxm', aic_model_path: 'Qwen/Qwen3-8B', num_gpu_blocks: 2048 },
        onNote: (l) => notes.push(l),
      });
      expect(r.report.completed_requests).toBe(20);
      // Without aiconfigurator installed for python3 the built-in model is used.
      if (notes.some((n) => n.includes('analytical'))) expect(notes).toHaveLength(1);
    } finally {
      if (saved !== undefined) process.env.AIC_SYSTEMS_PATH = saved;
    }
  });
});
