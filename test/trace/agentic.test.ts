// `--trace-format agentic_mooncake`: request graphs released by their dependencies, v2 as
// aisimulate/crates/core/src/replay/loadgen/trace.rs builds them (AgenticTraceBuilder::push /
// finish, AgenticTrace::normalize_starts / speed_up_timing) and driver.rs releases them
// (AgenticState::release_edges, on_node_terminal, release_lane; WorkloadDriver::
// new_agentic_trace_with_options for lanes), and v1 as dynamo-mocker 1.3's AgenticMooncakeRow
// describes it (start after every wait_for completion plus delay + tool_wait_ms; rows without
// wait_for at their timestamp). Fixtures written here from the formats.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { ReplayError } from '../../src/errors.js';
import { perRequestRecords } from '../../src/report/per-request.js';
import { loadAgenticTrace } from '../../src/trace/agentic.js';
import { runCli } from '../cli/run-cli.js';
import { traceFiles } from './trace-files.js';

const { dir, file } = traceFiles('dynosim-agentic-');

const header = (over: Record<string, unknown> = {}) => ({
  schema: 'dynamo.agentic_mooncake',
  version: 2,
  block_size: 16,
  hash_id_scope: 'local',
  source: { format: 'handmade', digest: 'd1' },
  ...over,
});
const dep = (request_id: string, trigger: string, delay_ms: number, relation: string) => ({ request_id, trigger, delay_ms, relation });
const req = (id: string, play: string, over: Record<string, unknown> = {}) => ({
  request_id: id,
  play_id: play,
  session_id: `${play}/s`,
  model: 'm',
  input_length: 32,
  output_length: 4,
  hash_ids: [1, 2],
  not_before_ms: 0,
  ...over,
});

// Play p1: root at 1000 ms; a tool step 200 ms after the root completes; a sub-agent spawned
// 50 ms after the root is dispatched; a join once both finish. Play p2: one request at 1500 ms.
const graph = () =>
  file([
    header(),
    req('b-root', 'p2', { not_before_ms: 1500, hash_ids: [7], input_length: 16 }),
    req('a-root', 'p1', { not_before_ms: 1000 }),
    req('a-tool', 'p1', { input_length: 48, hash_ids: [1, 2, 3], dependencies: [dep('a-root', 'completion', 200, 'sequence')] }),
    req('a-spawn', 'p1', { input_length: 16, hash_ids: [9], dependencies: [dep('a-root', 'dispatch', 50, 'spawn')] }),
    req('a-join', 'p1', {
      input_length: 64,
      hash_ids: [1, 2, 3, 4],
      dependencies: [dep('a-tool', 'completion', 0, 'join'), dep('a-spawn', 'completion', 0, 'join')],
    }),
  ]);

async function loadError(lines: (string | object)[], opts = {}): Promise<string> {
  try {
    await loadAgenticTrace(file(lines), opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ReplayError);
    return (err as Error).message;
  }
  throw new Error('expected the load to fail');
}

/** Arrival and completion (ms) of each request by its trace id. */
async function run(path: string, opts: Record<string, unknown> = {}) {
  const { workload, results } = await replay({ traceFiles: [path], traceFormat: 'agentic_mooncake', ...opts });
  const ids = workload.graph!.requestIds;
  const at = (id: string) => ids.indexOf(id);
  const r = results.requests;
  return {
    arrival: (id: string) => r.arrivalMs[at(id)]!,
    done: (id: string) => r.lastTokenMs[at(id)]!,
    status: (id: string) => r.status[at(id)]!,
  };
}

describe('agentic_mooncake v2', () => {
  it('compiles the graph: requests by request_id, plays by play_id, typed dependencies, starts normalised and sped up', async () => {
    const w = await loadAgenticTrace(graph(), { arrivalSpeedupRatio: 2 });
    const g = w.graph!;
    expect(g.requestIds).toEqual(['a-join', 'a-root', 'a-spawn', 'a-tool', 'b-root']);
    expect(g.playIds).toEqual(['p1', 'p2']);
    expect(Array.from(g.playOf)).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(g.depOffsets)).toEqual([0, 2, 2, 3, 4, 4]);
    // a-join waits for a-tool (3) and a-spawn (2); a-spawn on a-root's dispatch; a-tool on its completion.
    expect(Array.from(g.depSources)).toEqual([3, 2, 1, 1]);
    expect(Array.from(g.depOnDispatch)).toEqual([0, 0, 1, 0]);
    expect(Array.from(g.depDelayMs)).toEqual([0, 0, 25, 100]);
    // not_before_ms relative to the earliest (0 here), halved.
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 500, 0, 0, 750]);
    expect(w.traceBlockSize).toBe(16);
    expect(Array.from(w.sessionStart)).toEqual([0, 1, 2, 3, 4, 5]);
    // Hash ids interned in request order: a-join's 1,2,3,4 become 0..3, b-root's 7 the fifth.
    expect(Array.from(w.hashIds)).toEqual([0, 1, 2, 3, 0, 1, 4, 0, 1, 2, 5]);
  });

  it('starts each request when its dependencies fire plus their delays', async () => {
    const t = await run(graph());
    expect(t.arrival('a-root')).toBe(1000);
    expect(t.arrival('b-root')).toBe(1500);
    expect(t.arrival('a-spawn')).toBe(1050); // dispatch of a-root + 50
    expect(t.arrival('a-tool')).toBeCloseTo(t.done('a-root') + 200, 6);
    expect(t.arrival('a-join')).toBeCloseTo(Math.max(t.done('a-tool'), t.done('a-spawn')), 6);
    expect(t.done('a-root')).toBeGreaterThan(1000);
  });

  it("per-request records carry the trace's request_id and session_id", async () => {
    const { workload, results } = await replay({ traceFiles: [graph()], traceFormat: 'agentic_mooncake', reportJsonl: join(dir, 'r.jsonl') });
    const records = [...perRequestRecords({ workload, results })];
    expect(records.map((r) => [r.request_id, r.session_id, r.turn_index]).sort()).toEqual([
      ['a-join', 'p1/s', 0],
      ['a-root', 'p1/s', 0],
      ['a-spawn', 'p1/s', 0],
      ['a-tool', 'p1/s', 0],
      ['b-root', 'p2/s', 0],
    ]);
  });

  it('--agentic-lanes runs the plays one after another per lane, each lane starting at once', async () => {
    const one = await run(graph(), { agenticLanes: 1 });
    expect(one.arrival('a-root')).toBe(0);
    // p2's root waits for p1 to settle: its last completion is the join's.
    expect(one.arrival('b-root')).toBeCloseTo(one.done('a-join'), 6);
    const two = await run(graph(), { agenticLanes: 2 });
    expect(two.arrival('a-root')).toBe(0);
    expect(two.arrival('b-root')).toBe(0);
  });

  it('a rejected request stops the rest of its play; other plays go on', async () => {
    // 3 blocks of 16 tokens per worker: a-tool (48 + 4 tokens) can never fit and is rejected.
    const t = await run(graph(), { extraEngineArgs: { block_size: 16, num_gpu_blocks: 3 } });
    expect(t.status('a-tool')).toBe(2);
    expect(t.status('a-join')).toBe(0);
    expect(Number.isNaN(t.arrival('a-join'))).toBe(true);
    expect(t.status('a-spawn')).toBe(1);
    expect(t.status('b-root')).toBe(1);
  });

  it("refuses bad rows and graphs with the reference's messages", async () => {
    const root = req('r', 'p');
    const at = (m: string) => expect.stringMatching(new RegExp(`:\\d+: ${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(await loadError([header({ schema: 'other' }), root])).toEqual(at('unsupported agentic Mooncake schema "other"; expected "dynamo.agentic_mooncake"'));
    expect(await loadError([header({ version: 3 }), root])).toEqual(at('unsupported agentic Mooncake version 3; expected 2'));
    expect(await loadError([header({ block_size: 0 }), root])).toEqual(at('agentic Mooncake block_size must be greater than 0'));
    expect(await loadError([header({ source: { format: ' ', digest: 'x' } }), root])).toEqual(at('agentic Mooncake source provenance requires nonempty format and digest'));
    expect(await loadError([header({ hash_id_scope: undefined }), root])).toContain('as the agentic Mooncake v2 header: missing field `hash_id_scope`');
    expect(await loadError([header(), req('', 'p')])).toEqual(at('trace line 2 has empty request_id'));
    expect(await loadError([header(), req('r', ' ')])).toEqual(at('trace line 2 has empty play_id'));
    expect(await loadError([header(), root, root])).toEqual(at('trace line 3 duplicates request_id r'));
    expect(await loadError([header(), req('r', 'p', { hash_ids: [] })])).toEqual(at('trace line 2 has empty hash_ids'));
    expect(await loadError([header(), req('r', 'p', { input_length: 0 })])).toEqual(at('trace line 2 has zero input_length'));
    expect(await loadError([header(), req('r', 'p', { input_length: 40 })])).toEqual(
      at('trace line 2 has input_length 40 at block_size 16 and requires exactly 3 hash_ids, got 2'),
    );
    expect(await loadError([header(), req('r', 'p', { model: '' })])).toEqual(at('trace line 2 has an empty model'));
    expect(await loadError([header(), req('r', 'p', { output_length: undefined })])).toEqual(at('trace line 2 is missing output_length'));
    expect(await loadError([header(), req('r', 'p', { not_before_ms: -1 })])).toEqual(at('trace line 2 has invalid not_before_ms -1'));
    expect(await loadError([header(), req('r', 'p', { dependencies: [dep('x', 'completion', -5, 'sequence')] })])).toEqual(
      at('trace line 2 has invalid dependency delay -5'),
    );
    expect(await loadError([header(), req('r', 'p', { dependencies: [dep('x', 'dispatch', 0, 'sequence')] })])).toEqual(
      at('trace line 2 has invalid Sequence dependency with Dispatch trigger'),
    );
    expect(await loadError([header(), req('r', 'p', { dependencies: [dep('x', 'soon', 0, 'sequence')] })])).toContain(
      'as an agentic Mooncake v2 request: unknown variant `soon`',
    );
    expect(await loadError([header(), root, req('s', 'p', { dependencies: [dep('x', 'completion', 0, 'sequence')] })])).toEqual(
      at('request s references unknown request_id x'),
    );
    expect(await loadError([header(), root, req('s', 'p', { dependencies: [dep('s', 'completion', 0, 'sequence')] })])).toEqual(
      at('request s cannot depend on itself'),
    );
    expect(await loadError([header(), root, req('s', 'q', { dependencies: [dep('r', 'completion', 0, 'sequence')] })])).toEqual(
      at('request s in play q depends on request r in play p'),
    );
    const a = req('a', 'p', { dependencies: [dep('b', 'completion', 0, 'sequence')] });
    const b = req('b', 'p', { dependencies: [dep('a', 'completion', 0, 'sequence')] });
    expect(await loadError([header(), root, a, b])).toBe('cycle detected among 2 agentic requests');
    expect(await loadError([header(), root, req('s', 'p')])).toBe('play p must have exactly one root request, found 2');
    expect(await loadError([''])).toMatch(/agentic trace file .* is missing its v2 header$/);
    expect(await loadError([header()])).toMatch(/agentic trace file .* did not contain any requests$/);
    expect(await loadError([header(), root], { traceBlockSize: 64 })).toEqual(at('trace_block_size 64 does not match the agentic Mooncake block_size 16'));
  });
});

describe('agentic_mooncake v1', () => {
  // r1 at 5000, r3 at 5100; r2 after r1 completes + delay 100 + tool wait 400; r4 after r2 and r3.
  const v1 = () =>
    file([
      { request_id: 'r1', session_id: 's', timestamp: 5000, input_length: 600, output_length: 20, hash_ids: [1, 2] },
      { request_id: 'r2', session_id: 's', input_length: 700, output_length: 20, hash_ids: [1, 2], wait_for: ['r1'], delay: 100, tool_wait_ms: 400, branches: ['r4'], prefix_reset: false },
      { request_id: 'r3', timestamp: 5100, input_length: 100, output_length: 10, hash_ids: [5] },
      { request_id: 'r4', input_length: 100, output_length: 10, hash_ids: [6], wait_for: ['r2', 'r3'] },
    ]);

  it('keeps file order, clamps input_length like mooncake and waits delay + tool_wait_ms after every wait_for completion', async () => {
    const w = await loadAgenticTrace(v1(), { traceBlockSize: 512 });
    expect(w.graph!.requestIds).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(w.sessionIds).toEqual(['s', 's', 'r3', 'r4']);
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 0, 100, 0]);
    expect(Array.from(w.graph!.depDelayMs)).toEqual([500, 0, 0]);
    // One play: every request is connected to r1.
    expect(Array.from(w.graph!.playOf)).toEqual([0, 0, 0, 0]);
    const t = await run(v1());
    expect(t.arrival('r1')).toBe(0);
    expect(t.arrival('r3')).toBe(100);
    expect(t.arrival('r2')).toBeCloseTo(t.done('r1') + 500, 6);
    expect(t.arrival('r4')).toBeCloseTo(Math.max(t.done('r2'), t.done('r3')), 6);
  });

  it('refuses rows it cannot place', async () => {
    expect(await loadError([{ request_id: 'r', input_length: 10, output_length: 1, hash_ids: [1] }])).toMatch(
      /:1: trace line 1 has neither wait_for nor a timestamp to start at$/,
    );
    expect(await loadError([{ request_id: 'r', timestamp: 0, output_length: 1, hash_ids: [1], tool_wait_ms: -1 }])).toMatch(
      /:1: trace line 1 has invalid tool_wait_ms -1$/,
    );
    expect(await loadError([{ timestamp: 0, output_length: 1, hash_ids: [1] }])).toContain('as JSON: missing field `request_id`');
    expect(await loadError([{ request_id: 'r', timestamp: 0, output_length: 1, hash_ids: [1] }], { agenticLanes: 2 })).toContain(
      '--agentic-lanes needs plays',
    );
  });
});

describe('agentic_mooncake on the command line', () => {
  it('runs the examples and refuses what does not apply', () => {
    const ok = runCli(['--trace-format', 'agentic_mooncake', 'examples/agentic_mooncake.jsonl', '--num-workers', '2', '--agentic-lanes', '4', '--report-json', join(dir, 'r.json')]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('Request Count (requests)');
    const lanes0 = runCli(['--trace-format', 'agentic_mooncake', 'examples/agentic_mooncake.jsonl', '--agentic-lanes', '0']);
    expect(lanes0.status).toBe(2);
    expect(lanes0.stderr).toContain('agentic_lanes must be greater than 0');
    const other = runCli(['examples/trace.jsonl', '--agentic-lanes', '2']);
    expect(other.status).toBe(2);
    expect(other.stderr).toContain('--agentic-lanes applies to --trace-format agentic_mooncake or dynamo (agent sessions) only');
    const closed = runCli(['--trace-format', 'agentic_mooncake', 'examples/agentic_mooncake_v1.jsonl', '--replay-concurrency', '4']);
    expect(closed.status).toBe(2);
    expect(closed.stderr).toContain('use --agentic-lanes instead of --replay-concurrency');
  });
});
