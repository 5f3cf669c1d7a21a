// `planner_profile_data`: a planner-profiler .npz with prefill TTFT over ISL and decode ITL over
// (active KV tokens, context length), interpolated as the reference mocker does — or a profiler
// results directory, converted to those grids first.
import fs from 'node:fs';
import { ReplayError } from '../errors.js';
import { NpzError, readNpz, type NpyArray } from './npz.js';
import type { NativeProfileConfig } from './native-types.js';
import { convertProfileResults, isProfileResultsDir } from './profile-results.js';

/**
 * What `planner_profile_data` names, as the reference resolves it
 * (components/src/dynamo/replay/config.py resolve_planner_profile_data, then
 * components/src/dynamo/mocker/args.py resolve_planner_profile_data): a `.npz` path is the
 * mocker's grids; a profiler results directory is converted; anything else is refused. A `.npz`
 * the mocker cannot load leaves it on its polynomial model with an error in its log (MockEngineArgs
 * from the JSON: "Failed to load performance model … Falling back to polynomial model."): here a
 * note says so and null is returned.
 */
export function resolvePlannerProfile(file: string, note: (line: string) => void): NativeProfileConfig | null {
  if (file.endsWith('.npz')) {
    try {
      return loadProfile(file);
    } catch (err) {
      if (!(err instanceof ReplayError)) throw err;
      note(`note: ${err.message}; falling back to the polynomial model, as the reference's mocker does`);
      return null;
    }
  }
  if (isProfileResultsDir(file)) return convertProfileResults(file);
  throw new ReplayError(
    `planner_profile_data: '${file}' is neither a mocker-format NPZ file nor a valid profiler results directory; expected a .npz file with ` +
      'prefill_isl, prefill_ttft_ms, decode_active_kv_tokens, decode_context_length and decode_itl, or a directory with ' +
      'selected_prefill_interpolation/raw_data.npz and selected_decode_interpolation/raw_data.npz (or prefill_raw_data.json and decode_raw_data.json)',
  );
}

const ARRAYS = ['prefill_isl', 'prefill_ttft_ms', 'decode_active_kv_tokens', 'decode_context_length', 'decode_itl'] as const;

function increasing(file: string, name: string, a: Float64Array): void {
  if (a.length < 2) throw new ReplayError(`planner_profile_data ${file}: ${name} needs at least 2 points, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new ReplayError(`planner_profile_data ${file}: ${name}[${i}] is not finite`);
    if (i > 0 && !(a[i]! > a[i - 1]!)) throw new ReplayError(`planner_profile_data ${file}: ${name} must be strictly increasing (index ${i})`);
  }
}

export function loadProfile(file: string): NativeProfileConfig {
  if (!fs.existsSync(file)) throw new ReplayError(`planner_profile_data: '${file}' does not exist`);
  if (fs.statSync(file).isDirectory())
    throw new ReplayError(`planner_profile_data: '${file}' is a directory; point it at the profiler's .npz file`);
  let arrays: Map<string, NpyArray>;
  try {
    arrays = readNpz(file);
  } catch (error) {
    if (error instanceof NpzError) throw new ReplayError(`planner_profile_data ${file}: ${error.message}`);
    throw new ReplayError(`planner_profile_data ${file}: cannot read: ${(error as Error).message}`);
  }
  const get = (name: (typeof ARRAYS)[number], dims: number): NpyArray => {
    const a = arrays.get(name);
    if (!a) throw new ReplayError(`planner_profile_data ${file}: missing array '${name}'`);
    if (a.shape.length !== dims) throw new ReplayError(`planner_profile_data ${file}: '${name}' must be ${dims}-D, got shape (${a.shape.join(', ')})`);
    return a;
  };
  const isl = get('prefill_isl', 1).data;
  const ttft = get('prefill_ttft_ms', 1).data;
  const kv = get('decode_active_kv_tokens', 1).data;
  const ctx = get('decode_context_length', 1).data;
  const itl = get('decode_itl', 2);
  if (isl.length !== ttft.length)
    throw new ReplayError(`planner_profile_data ${file}: prefill length mismatch (prefill_isl ${isl.length}, prefill_ttft_ms ${ttft.length})`);
  if (itl.shape[0] !== kv.length || itl.shape[1] !== ctx.length)
    throw new ReplayError(
      `planner_profile_data ${file}: decode_itl shape (${itl.shape.join(', ')}) does not match decode_active_kv_tokens ${kv.length} × decode_context_length ${ctx.length}`,
    );
  increasing(file, 'prefill_isl', isl);
  increasing(file, 'decode_active_kv_tokens', kv);
  increasing(file, 'decode_context_length', ctx);
  for (const [name, a] of [
    ['prefill_ttft_ms', ttft],
    ['decode_itl', itl.data],
  ] as const)
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw new ReplayError(`planner_profile_data ${file}: ${name} has a non-finite value`);
  return {
    kind: 'profile',
    prefillTokens: isl,
    prefillMs: ttft,
    decodeKvTokens: kv,
    decodeContext: ctx,
    decodeItlMs: itl.data,
  };
}
