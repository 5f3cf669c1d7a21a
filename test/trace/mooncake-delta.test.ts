// `--trace-format mooncake-delta` (alias `mooncake_delta`): later turns carry only their new input;
// each prompt is the session's earlier inputs and outputs followed by the delta, as
// aisimulate/crates/core/src/replay/loadgen/driver.rs accumulates them (PromptMode::DeltaCumulative:
// pop_ready_compact appends the turn's tokens, resolve_turn the completed turn's output when a
// later turn follows). Fixtures written here from the format.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { ReplayError } from '../../src/errors.js';
import { loadMooncakeDeltaTrace } from '../../src/trace/mooncake-delta.js';
import { runCli } from '../cli/run-cli.js';
import { traceFiles } from './trace-files.js';

const { dir, file } = traceFiles('dynosim-delta-');

// Session a: 700 tokens (ids 11, 12 at 512 per id), then +50 (id 13), then +600 (ids 14, 15).
// Session b: one turn of 512 tokens of id 11.
const trace = () =>
  file([
    { session_id: 'a', timestamp: 0, input_length: 700, output_length: 100, hash_ids: [11, 12] },
    { session_id: 'a', delay: 1000, input_length: 50, output_length: 30, hash_ids: [13] },
    { session_id: 'b', timestamp: 10, input_length: 512, output_length: 8, hash_ids: [11] },
    { session_id: 'a', delay: 500, input_length: 600, output_length: 30, hash_ids: [14, 15] },
  ]);

describe('mooncake-delta traces', () => {
  it('accumulates each session: previous inputs, generated outputs, then the delta', async () => {
    const w = await loadMooncakeDeltaTrace(trace());
    expect(w.sessionIds).toEqual(['a', 'b']);
    // 700; 700 + 100 + 50 = 850; 850 + 30 + 600 = 1480. Session b is untouched.
    expect(Array.from(w.inputLength)).toEqual([700, 850, 1480, 512]);
    expect(Array.from(w.turnDelayMs)).toEqual([0, 1000, 500, 0]);
    const runs = (r: number) => {
      const ids = Array.from(w.hashIds.subarray(w.hashOffsets[r], w.hashOffsets[r + 1]));
      const len = Array.from(w.hashRunTokens!.subarray(w.hashOffsets[r], w.hashOffsets[r + 1]));
      return ids.map((id, k) => [id, len[k]]);
    };
    // Trace ids interned (11 → 0, 12 → 1, 13 → 2, 14 → 3, 15 → 4); outputs get ids above them.
    expect(runs(0)).toEqual([[0, 512], [1, 188]]);
    expect(runs(1)).toEqual([[0, 512], [1, 188], [5, 100], [2, 50]]);
    expect(runs(2)).toEqual([[0, 512], [1, 188], [5, 100], [2, 50], [6, 30], [3, 512], [4, 88]]);
    expect(runs(3)).toEqual([[0, 512]]);
  });

  it('later turns reuse the cached history, where mooncake sees only the delta', async () => {
    const path = trace();
    const opts = { traceFiles: [path], extraEngineArgs: { block_size: 64 } };
    const delta = (await replay({ ...opts, traceFormat: 'mooncake_delta' })).results.requests.reusedTokens;
    // Turn 2 finds turn 1's whole sequence cached, generated tokens included: 800 tokens fill 12
    // blocks (768); turn 3 finds turn 2's 880 tokens' 13 blocks (832). Session b's 512 tokens of
    // id 11 match turn 1's first 512, less the block vLLM recomputes: 448.
    expect(Array.from(delta)).toEqual([0, 768, 832, 448]);
    const plain = (await replay({ ...opts, traceFormat: 'mooncake' })).results.requests;
    expect(Array.from(plain.reusedTokens)).toEqual([0, 0, 0, 448]);
  });

  it('replays closed-loop too, and refuses bad rows with the mooncake messages', async () => {
    const closed = await replay({ traceFiles: [trace()], traceFormat: 'mooncake-delta', replayConcurrency: 1 });
    expect(Array.from(closed.workload.inputLength)).toEqual([700, 850, 1480, 512]);
    expect(Array.from(closed.results.requests.status)).toEqual([1, 1, 1, 1]);
    const bad = file([{ session_id: 'a', timestamp: 0, input_length: 10, hash_ids: [1] }]);
    await expect(loadMooncakeDeltaTrace(bad)).rejects.toThrow(new ReplayError(`${bad}:1: trace line 1 is missing output_length`));
  });

  it('runs from the command line under either name', () => {
    for (const name of ['mooncake-delta', 'mooncake_delta']) {
      const r = runCli(['--trace-format', name, 'examples/mooncake_delta.jsonl', '--num-workers', '2', '--report-json', join(dir, `${name}.json`)]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });
});
