// The AIC model memoises decode prices by (batch, context) in pages and keeps each batch's
// resolved generation-table path. A memo must never change a price: the same points priced in
// one call in ascending order, in descending order (other keys cached first, other search hints)
// and one point per call (a fresh model, nothing cached) give the same numbers bit for bit, for a
// dense model and for gpt-oss (a second, sliding-window attention table with its own paths), on
// contexts inside the tables, across memo pages and past the collected sequence lengths.
import { describe, expect, it } from 'vitest';
import { parseEngineArgs } from '../../src/config/engine-args.js';
import { nativeEngineConfig } from '../../src/core/engine-config.js';
import { evaluatePerfModel } from '../../src/core/native.js';
import { resolvePerfModel } from '../../src/perf/resolve.js';
import { hasSharedAic, systemsPath, testEnv } from './helpers.js';

const title = (name: string) => (hasSharedAic ? name : `${name} (SKIPPED: ../shared/aic absent)`);

const BATCHES = [1, 2, 5, 8, 13, 32, 100, 256];
const RUN_STARTS = [1, 700, 5_000, 60_000];
const RUN_LENGTH = 1_200; // longer than a memo page (1,024 columns)

async function engineFor(model: string, extra: Record<string, unknown>) {
  const args = parseEngineArgs(
    { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: model, aic_systems_path: systemsPath, num_gpu_blocks: 1024, ...extra },
    '--extra-engine-args',
  );
  return nativeEngineConfig(args, await resolvePerfModel(args, { env: testEnv, findPythonPackage: () => undefined }));
}

function decodePrices(engine: Awaited<ReturnType<typeof engineFor>>, points: readonly [number, number][]): number[] {
  return [...evaluatePerfModel(engine, new Float64Array(0), Float64Array.from(points.flat())).decodeMs];
}

describe(title('memoised AIC decode prices'), () => {
  const models: [string, Record<string, unknown>][] = [
    ['nvidia/Llama-3.1-8B-Instruct-FP8', {}],
    ['openai/gpt-oss-20b', { aic_moe_ep_size: 1 }],
  ];
  for (const [model, extra] of models) {
    it.skipIf(!hasSharedAic)(`${model}: one call ascending = one call descending = one point per call`, async () => {
      const engine = await engineFor(model, extra);
      // Decode runs: one batch, contexts growing by one per step.
      const points: [number, number][] = [];
      for (const b of BATCHES) for (const start of RUN_STARTS) for (let c = start; c < start + RUN_LENGTH; c++) points.push([b, c]);
      const ascending = decodePrices(engine, points);
      const descending = decodePrices(engine, [...points].reverse()).reverse();
      expect(descending).toEqual(ascending);
      // A fresh model per point: nothing memoised when it is priced.
      for (let i = 0; i < points.length; i += 211) expect(decodePrices(engine, [points[i]!])[0], `batch ${points[i]![0]}, context ${points[i]![1]}`).toBe(ascending[i]);
      // Prices are real latencies, growing with the context along a run.
      expect(ascending.every((ms) => Number.isFinite(ms) && ms >= 1)).toBe(true);
      expect(ascending[RUN_LENGTH - 1]! >= ascending[0]!).toBe(true);
    });
  }
});
