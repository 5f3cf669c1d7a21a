// Mooncake delta traces (`--trace-format mooncake-delta`, alias `mooncake_delta`): Mooncake rows
// whose later turns carry only the new input. Each turn's prompt is the session so far — every
// earlier turn's input and generated output — followed by its own delta.
//
// Follows aisimulate/crates/core/src/replay/loadgen/driver.rs (PromptMode::DeltaCumulative in
// WorkloadDriver::pop_ready_compact and resolve_turn): rows load exactly as Mooncake rows, then a
// turn's tokens append to the session's history when it is dispatched, and its generated tokens
// when it completes with a later turn to come. The reference's generated tokens are drawn at random
// per request (planned_output_token_ids), so they never match another request's: here each turn's
// output is one run of a token id of its own (`outputRunIds`), which gives its generated KV blocks
// content the next turn's prompt matches, as the reference's content-hashed blocks do. Trace hash
// ids are interned to compact ids first, as the reference's HashIdInterner does, which leaves the
// ids above them free for those outputs.
//
// The accumulated prompts carry runs of varying length, so the workload says how many tokens each
// hash id stands for (`hashRunTokens`).

import type { Workload } from '../core/workload.js';
import { ReplayError } from '../errors.js';
import { GrowableUint32 } from './growable.js';
import { loadMooncakeTrace, type MooncakeLoadOptions } from './mooncake.js';
import { U32_MAX } from './mooncake-rows.js';


export async function loadMooncakeDeltaTrace(path: string, opts: MooncakeLoadOptions = {}): Promise<Workload> {
  return accumulateDeltas(await loadMooncakeTrace(path, opts));
}

/** Turns a workload of per-turn deltas into one of cumulative prompts. */
export function accumulateDeltas(w: Workload): Workload {
  const R = w.inputLength.length;
  const bs = w.traceBlockSize;
  const interned = new Map<number, number>();
  const intern = (id: number): number => {
    let c = interned.get(id);
    if (c === undefined) interned.set(id, (c = interned.size));
    return c;
  };
  // Trace ids first (in request order), so every output id can follow them.
  const deltaIds = new Uint32Array(w.hashIds.length);
  for (let k = 0; k < deltaIds.length; k++) deltaIds[k] = intern(w.hashIds[k]!);
  let nextOutputId = interned.size;

  const inputLength = new Uint32Array(R);
  const outputRunIds = new Uint32Array(R);
  const hashOffsets = new Uint32Array(R + 1);
  const ids = new GrowableUint32(w.hashIds.length * 2);
  const runs = new GrowableUint32(w.hashIds.length * 2);
  const historyIds: number[] = [];
  const historyRuns: number[] = [];
  for (let s = 0; s + 1 < w.sessionStart.length; s++) {
    historyIds.length = 0;
    historyRuns.length = 0;
    let history = 0;
    const last = w.sessionStart[s + 1]! - 1;
    for (let r = w.sessionStart[s]!; r <= last; r++) {
      // The delta: its hash ids, trace_block_size tokens each, the last one cut to input_length.
      let left = w.inputLength[r]!;
      for (let k = w.hashOffsets[r]!; k < w.hashOffsets[r + 1]! && left > 0; k++) {
        const take = Math.min(bs, left);
        historyIds.push(deltaIds[k]!);
        historyRuns.push(take);
        left -= take;
      }
      history += w.inputLength[r]!;
      if (history > U32_MAX) {
        throw new ReplayError(`session ${w.sessionIds[s]} turn ${r - w.sessionStart[s]!} cumulative input length overflow`);
      }
      if (ids.length + historyIds.length > U32_MAX) throw new ReplayError('mooncake-delta prompts hold more than 2^32 - 1 hash ids in total');
      inputLength[r] = history;
      ids.reserve(historyIds.length);
      runs.reserve(historyRuns.length);
      for (let k = 0; k < historyIds.length; k++) {
        ids.push(historyIds[k]!);
        runs.push(historyRuns[k]!);
      }
      hashOffsets[r + 1] = ids.length;
      // Its output, a token id of its own, joins the history when a later turn follows.
      if (nextOutputId > U32_MAX) throw new ReplayError('trace contains more unique hash IDs than u32 can represent');
      outputRunIds[r] = nextOutputId++;
      const out = w.outputLength[r]!;
      if (r < last && out > 0) {
        historyIds.push(outputRunIds[r]!);
        historyRuns.push(out);
        history += out;
      }
    }
  }
  return { ...w, inputLength, hashOffsets, hashIds: ids.finish(), hashRunTokens: runs.finish(), outputRunIds };
}
