// `planner_profile_data`: a planner-profiler .npz with prefill TTFT over ISL and decode ITL over
// (active KV tokens, context length), interpolated as the reference mocker does.
import fs from 'node:fs';
import { ReplayError } from '../errors.js';
import { NpzError, readNpz, type NpyArray } from './npz.js';
import type { NativeProfileConfig } from './native-types.js';

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
