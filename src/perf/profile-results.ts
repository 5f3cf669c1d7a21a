// `planner_profile_data` pointing at a planner profiler's results directory: converted into the
// mocker's interpolation grids as the reference converts it
// (components/src/dynamo/mocker/utils/planner_profiler_perf_data_converter.py,
// convert_profile_results_to_npz, newest version): the profiler's points become synthetic forward
// passes (components/src/dynamo/planner/monitoring/perf_metrics.py, _convert_prefill_profiling /
// _convert_decode_profiling), the planner's regressions are fitted to them, and the fits are
// evaluated on a 100 × 100 grid — prefill TTFT over ISL, decode ITL over (active KV tokens,
// context length) with batch = max(1, kv / context).
//
// A results directory holds selected_prefill_interpolation/raw_data.npz (prefill_isl,
// prefill_ttft) or prefill_raw_data.json, and selected_decode_interpolation/raw_data.npz
// (x_kv_usage, y_context_length, z_itl, max_kv_tokens) or decode_raw_data.json.

import fs from 'node:fs';
import path from 'node:path';
import { ReplayError } from '../errors.js';
import { BucketedRegression } from '../planner/regression.js';
import type { NativeProfileConfig } from './native-types.js';
import { readNpz } from './npz.js';

const RESOLUTION = 100;

const PREFILL_NPZ = path.join('selected_prefill_interpolation', 'raw_data.npz');
const DECODE_NPZ = path.join('selected_decode_interpolation', 'raw_data.npz');
const PREFILL_JSON = 'prefill_raw_data.json';
const DECODE_JSON = 'decode_raw_data.json';

/** The reference's is_profile_results_dir: a directory with prefill and decode raw data. */
export function isProfileResultsDir(dir: string): boolean {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return false;
  const has = (...names: string[]) => names.some((n) => fs.existsSync(path.join(dir, n)));
  return has(PREFILL_NPZ, PREFILL_JSON) && has(DECODE_NPZ, DECODE_JSON);
}

/** numpy's linspace(lo, hi, n). */
function linspace(lo: number, hi: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = (hi - lo) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = lo + i * step;
  out[n - 1] = hi;
  return out;
}

/** Python's round(): half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Named arrays of the npz, or of the JSON fallback; a clear error naming the file otherwise. */
function readRaw(dir: string, npzName: string, jsonName: string, keys: readonly string[], what: string): Record<string, number[]> {
  const npz = path.join(dir, npzName);
  const json = path.join(dir, jsonName);
  const fail = (file: string, detail: string) => new ReplayError(`planner_profile_data ${file}: ${detail}`);
  let get: (key: string) => unknown;
  let file: string;
  if (fs.existsSync(npz)) {
    file = npz;
    let arrays;
    try {
      arrays = readNpz(npz);
    } catch (err) {
      throw fail(npz, (err as Error).message);
    }
    get = (key) => (arrays.has(key) ? Array.from(arrays.get(key)!.data) : undefined);
  } else if (fs.existsSync(json)) {
    file = json;
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(json, 'utf8'));
    } catch (err) {
      throw fail(json, `not JSON: ${(err as Error).message}`);
    }
    if (data === null || typeof data !== 'object') throw fail(json, 'must hold a JSON object');
    get = (key) => (data as Record<string, unknown>)[key];
  } else {
    throw new ReplayError(`${what} profiling data not found at ${npz} or ${json}`);
  }
  const out: Record<string, number[]> = {};
  for (const key of keys) {
    let v = get(key);
    if (typeof v === 'number') v = [v];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw fail(file, `'${key}' must be an array of finite numbers`);
    out[key] = v as number[];
  }
  return out;
}

/** Converts a profiler results directory into the mocker's interpolation grids. */
export function convertProfileResults(dir: string): NativeProfileConfig {
  // The regressions keep every point (capacity n + 10) and fit from one observation on.
  const options = (n: number) => ({ maxObservations: n + 10, minObservations: 1, bucketCount: 16 });

  const p = readRaw(dir, PREFILL_NPZ, PREFILL_JSON, ['prefill_isl', 'prefill_ttft'], 'Prefill');
  const isl = p.prefill_isl!.map(Math.trunc);
  const ttft = p.prefill_ttft!;
  if (isl.length === 0 || isl.length !== ttft.length) throw new ReplayError(`No prefill profiling data found in ${dir}`);
  const prefill = new BucketedRegression(1, options(isl.length));
  isl.forEach((x, i) => prefill.add([x], ttft[i]!));
  if (prefill.fit === null) throw new ReplayError('Failed to fit prefill regression from profiling data');
  const prefillTokens = linspace(Math.min(...isl), Math.max(...isl), RESOLUTION);
  const prefillMs = prefillTokens.map((x) => prefill.predict([x])!);

  const d = readRaw(dir, DECODE_NPZ, DECODE_JSON, ['x_kv_usage', 'y_context_length', 'z_itl', 'max_kv_tokens'], 'Decode');
  const maxKvTokens = Math.trunc(d.max_kv_tokens![0] ?? NaN);
  const samples = Math.min(d.x_kv_usage!.length, d.y_context_length!.length, d.z_itl!.length);
  if (samples === 0 || !Number.isFinite(maxKvTokens)) throw new ReplayError(`No decode profiling data found in ${dir}`);
  const decode = new BucketedRegression(2, options(samples));
  let maxKv = -Infinity;
  let maxCtx = -Infinity;
  for (let i = 0; i < samples; i++) {
    const kv = roundHalfEven(d.x_kv_usage![i]! * maxKvTokens);
    const ctx = d.y_context_length![i]!;
    const batch = ctx > 0 ? Math.max(1, roundHalfEven(kv / ctx)) : 1;
    decode.add([batch, kv], d.z_itl![i]!);
    maxKv = Math.max(maxKv, kv);
    maxCtx = Math.max(maxCtx, kv / batch);
  }
  if (decode.fit === null) throw new ReplayError('Failed to fit decode regression from profiling data');
  const decodeKvTokens = linspace(0, maxKv, RESOLUTION);
  const decodeContext = linspace(1, maxCtx, RESOLUTION);
  const decodeItlMs = new Float64Array(RESOLUTION * RESOLUTION);
  for (let i = 0; i < RESOLUTION; i++) {
    const kv = decodeKvTokens[i]!;
    for (let j = 0; j < RESOLUTION; j++) decodeItlMs[i * RESOLUTION + j] = decode.predict([Math.max(1, kv / decodeContext[j]!), kv])!;
  }
  return { kind: 'profile', prefillTokens, prefillMs, decodeKvTokens, decodeContext, decodeItlMs };
}
