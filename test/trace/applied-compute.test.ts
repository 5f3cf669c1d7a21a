// `--trace-format applied_compute_agentic`: one agent session per line, replayed closed loop, as
// aisimulate/crates/core/src/replay/loadgen/trace.rs (Trace::from_applied_compute_agentic,
// extend_applied_compute_agentic_hash_ids) builds it. Fixtures written here from the format.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { checkReplayOptions } from '../../src/config/replay-options.js';
import { ReplayError } from '../../src/errors.js';
import { loadAppliedComputeTrace } from '../../src/trace/applied-compute.js';
import { traceFiles } from './trace-files.js';

const { dir, file } = traceFiles('dynosim-acagentic-');

const session = (over: Record<string, unknown> = {}) => ({
  num_turns: 2,
  input_prompt_length: 10,
  assistant_response_length: [3, 4],
  tool_call_output_length: [5, 6],
  tool_call_latency: [0.5, 1.25],
  final_assistant_response_length: 7,
  ...over,
});

async function loadError(path: string, opts = {}): Promise<string> {
  try {
    await loadAppliedComputeTrace(path, { concurrency: 1, ...opts });
  } catch (err) {
    expect(err).toBeInstanceOf(ReplayError);
    return (err as Error).message;
  }
  throw new Error('expected the load to fail');
}

describe('applied_compute_agentic traces', () => {
  it('builds num_turns + 1 turns whose prompts grow by each response and tool output, waiting the tool latency', async () => {
    const w = await loadAppliedComputeTrace(file([session()]), { traceBlockSize: 4, concurrency: 2 });
    // Prompts: 10, 10+3+5 = 18, 18+4+6 = 28; outputs 3, 4, then the final answer 7.
    expect(Array.from(w.inputLength)).toEqual([10, 18, 28]);
    expect(Array.from(w.outputLength)).toEqual([3, 4, 7]);
    expect(Array.from(w.turnDelayMs)).toEqual([0, 500, 1250]);
    expect(Array.from(w.sessionStart)).toEqual([0, 3]);
    expect(w.sessionIds).toEqual(['applied_compute_agentic_session_1']);
    expect(w.concurrency).toBe(2);
    // ceil(len / 4) blocks each, every turn's blocks a prefix of the next turn's.
    const blocks = (r: number) => Array.from(w.hashIds.subarray(w.hashOffsets[r], w.hashOffsets[r + 1]));
    expect(blocks(0)).toHaveLength(3);
    expect(blocks(1)).toHaveLength(5);
    expect(blocks(2)).toHaveLength(7);
    expect(blocks(1).slice(0, 3)).toEqual(blocks(0));
    expect(blocks(2).slice(0, 5)).toEqual(blocks(1));
    expect(new Set(blocks(2)).size).toBe(7);
  });

  it('shares round(ratio × initial blocks) leading blocks within each prefix group (group = line index % groups)', async () => {
    const p = file([session(), session(), session()]);
    const w = await loadAppliedComputeTrace(p, { traceBlockSize: 4, sharedPrefixRatio: 0.5, numPrefixGroups: 2, concurrency: 1 });
    const first = (s: number) => {
      const r = w.sessionStart[s]!;
      return Array.from(w.hashIds.subarray(w.hashOffsets[r], w.hashOffsets[r + 1]));
    };
    // Initial prompt 10 tokens → 3 blocks; round(1.5) = 2 shared. Lines 1 and 3 are group 0.
    expect(first(0).slice(0, 2)).toEqual(first(2).slice(0, 2));
    expect(first(0)[2]).not.toBe(first(2)[2]);
    expect(first(1).slice(0, 2)).not.toEqual(first(0).slice(0, 2));
    const none = await loadAppliedComputeTrace(p, { traceBlockSize: 4, concurrency: 1 });
    // Without the knobs no block is shared across sessions.
    const ids = (s: number) => new Set(none.hashIds.subarray(none.hashOffsets[none.sessionStart[s]!], none.hashOffsets[none.sessionStart[s + 1]!]));
    for (const id of ids(0)) expect(ids(2).has(id)).toBe(false);
  });

  it("refuses bad rows with the reference's messages", async () => {
    let p = file([session({ tool_call_latency: [0.5] })]);
    expect(await loadError(p)).toBe(`${p}:1: trace line 1 field tool_call_latency length 1 does not match num_turns 2`);
    p = file([session({ input_prompt_length: 0 })]);
    expect(await loadError(p)).toBe(`${p}:1: trace line 1 input_prompt_length must be positive`);
    p = file([session({ tool_call_latency: [0.5, -1] })]);
    expect(await loadError(p)).toBe(`${p}:1: trace line 1 tool_call_latency[1] must be a finite non-negative number`);
    p = file([{ num_turns: 0 }]);
    expect(await loadError(p)).toContain('failed to parse line 1');
    expect(await loadError(file([session()]), { sharedPrefixRatio: 1.5 })).toBe('shared_prefix_ratio must be between 0.0 and 1.0, got 1.5');
  });

  it('needs --replay-concurrency (no first-turn timestamps), and takes the prefix knobs only for this format', () => {
    expect(() => checkReplayOptions({ traceFiles: ['t'], traceFormat: 'applied_compute_agentic' })).toThrow(
      '--trace-format=applied_compute_agentic requires --replay-concurrency because the source traces do not include first-turn timestamps',
    );
    expect(() =>
      checkReplayOptions({ traceFiles: ['t'], traceFormat: 'applied_compute_agentic', replayConcurrency: 2, traceSharedPrefixRatio: 0.5, traceNumPrefixGroups: 2 }),
    ).not.toThrow();
    expect(() => checkReplayOptions({ traceFiles: ['t'], traceSharedPrefixRatio: 0.5 })).toThrow('applies to --trace-format applied_compute_agentic only');
  });

  it('replays closed loop: every turn completes, later turns reuse the growing prompt', async () => {
    const p = file([session(), session({ input_prompt_length: 40 }), session({ num_turns: 0, assistant_response_length: [], tool_call_output_length: [], tool_call_latency: [] })]);
    const { report, results } = await replay({
      traceFiles: [p],
      traceFormat: 'applied_compute_agentic',
      traceBlockSize: 4,
      replayConcurrency: 2,
      numWorkers: 1,
      extraEngineArgs: { block_size: 4 },
    });
    expect(report.num_requests).toBe(7);
    expect(report.completed_requests).toBe(7);
    // The second turn of the first session waits 500 ms after the first completes.
    const r = results.requests;
    expect(r.arrivalMs[1]! - r.lastTokenMs[0]!).toBeCloseTo(500, 6);
    expect(r.reusedTokens[1]).toBeGreaterThanOrEqual(8);
  });
});
