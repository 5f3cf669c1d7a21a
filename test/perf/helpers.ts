// Shared helpers of the perf-model suites.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEngineArgs, type EngineArgs } from '../../src/config/engine-args.js';
import { nativeEngineConfig } from '../../src/core/engine-config.js';
import { evaluatePerfModel } from '../../src/core/native.js';
import { resolvePerfModel, type ResolvedPerfModel } from '../../src/perf/resolve.js';

const here = dirname(fileURLToPath(import.meta.url));
export const sharedAic = resolve(here, '../../../shared/aic');
export const systemsPath = resolve(sharedAic, 'systems');
export const hasSharedAic = existsSync(resolve(systemsPath, 'h200_sxm.yaml'));
if (!hasSharedAic) console.warn(`skipping the AIC database tests: ${sharedAic} is absent (../shared is not checked out)`);

/** Environment for resolve(): no on-disk cache, no AIC_SYSTEMS_PATH. */
export const testEnv: Record<string, string | undefined> = { DYNOSIM_CACHE_DIR: 'off' };

export class Sink {
  text = '';
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

export interface Evaluated {
  perf: ResolvedPerfModel;
  args: EngineArgs;
  notes: string[];
  /** Raw model latencies (ms, before speedup) at (batch, new tokens, prefix) and (batch, context). */
  prefill: number[];
  decode: number[];
  /** With `breakdown`: per point, AIC's op name → ms. */
  prefillOps?: Record<string, number>[];
  decodeOps?: Record<string, number>[];
}

export async function evaluate(
  json: Record<string, unknown>,
  prefill: [number, number, number][] = [],
  decode: [number, number][] = [],
  breakdown = false,
): Promise<Evaluated> {
  const args = parseEngineArgs(json, '--extra-engine-args');
  const notes: string[] = [];
  const perf = await resolvePerfModel(args, { warn: (l) => notes.push(l), env: testEnv, findPythonPackage: () => undefined });
  const engine = nativeEngineConfig(args, perf);
  const r = evaluatePerfModel(
    engine,
    Float64Array.from(prefill.flatMap(([b, n, p]) => [b, n + p, p])),
    Float64Array.from(decode.flat()),
    breakdown,
  );
  const out: Evaluated = { perf, args, notes, prefill: [...r.prefillMs], decode: [...r.decodeMs] };
  if (breakdown && perf.native.kind === 'aic') {
    // Ops sharing a name (a dispatch's all-reduce and all-gather) add up, as in AIC's per-op dicts.
    const rows = (names: string[], values: Float64Array, points: number) =>
      Array.from({ length: points }, (_, i) => {
        const row: Record<string, number> = {};
        names.forEach((n, j) => (row[n] = (row[n] ?? 0) + values[i * names.length + j]!));
        return row;
      });
    out.prefillOps = rows(perf.native.context.opNames, r.prefillOps!, prefill.length);
    out.decodeOps = rows(perf.native.generation.opNames, r.decodeOps!, decode.length);
  }
  return out;
}

export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}
