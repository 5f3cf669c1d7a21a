// `--trace-format dynamo` with agent sessions: request_end rows that carry `agent_context` lowered
// to a request graph as lib/data-gen/src/request_trace/agentic.rs does (lower_agentic_mooncake_rows,
// resolve_play_ids, validate_dependency_dag; its unit tests are the cases below), from rows read as
// lib/data-gen/src/request_trace/load.rs reads them (request_entry, tool_entry,
// LoadedAgentTrace::mode), compiled as aisimulate loadgen/trace.rs AgenticTrace::
// from_agentic_mooncake_rows compiles v2 rows, with the replay binding's refusals
// (lib/bindings/python run_trace_replay: planner, replay_concurrency, agentic_lanes).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { ReplayError } from '../../src/errors.js';
import { perRequestRecords } from '../../src/report/per-request.js';
import { byteOrder } from '../../src/trace/agentic-graph.js';
import { loadDynamoTrace } from '../../src/trace/dynamo.js';
import { runCli } from '../cli/run-cli.js';
import { traceFiles } from './trace-files.js';

const { dir, file } = traceFiles('dynosim-dynamo-agentic-');

interface Req {
  id: string;
  session: string;
  parent?: string;
  start: number;
  end: number;
  hashes: number[];
  /** Prompt tokens; 2 per hash (the reference tests' block size) unless given. */
  isl?: number;
  out?: number;
  model?: string | null;
}

/** A request_end row at block size 2, as the reference's `contextual_request` test helper builds them. */
function request(r: Req): object {
  const context = r.parent === undefined ? { session_id: r.session } : { session_id: r.session, parent_session_id: r.parent };
  return {
    schema: 'dynamo.request.trace.v1',
    event_type: 'request_end',
    event_time_unix_ms: r.end,
    agent_context: context,
    request: {
      request_id: r.id,
      ...(r.model === null ? {} : { model: r.model ?? 'model' }),
      output_tokens: r.out ?? 5,
      request_received_ms: r.start,
      total_time_ms: r.end - r.start,
      replay: { trace_block_size: 2, input_length: r.isl ?? r.hashes.length * 2, input_sequence_hashes: r.hashes },
    },
  };
}

const ctx = (id: string, session: string, parent: string | undefined, start: number, end: number, hashes: number[], more: Partial<Req> = {}) =>
  request({ id, session, parent, start, end, hashes, ...more });

interface Claude {
  source_request_id: string;
  consumer_request_id?: string;
  child_session_id?: string;
  execution_mode: string;
}

/** A tool_end row of `session` (load.rs tool_entry). */
function tool(session: string, call: string, cls: string, start: number, end: number, claude?: Claude): object {
  return {
    schema: 'dynamo.request.trace.v1',
    event_type: 'tool_end',
    event_time_unix_ms: end,
    agent_context: { session_id: session },
    tool: { tool_call_id: call, tool_class: cls, started_at_unix_ms: start, ended_at_unix_ms: end, status: 'succeeded', ...(claude ? { claude } : {}) },
  };
}

interface Dep {
  on: string;
  dispatch: boolean;
  delay: number;
}

/** The compiled graph by request id: each request's dependencies, start (ms) and play. */
async function graph(lines: object[], opts = {}) {
  const w = await loadDynamoTrace([file(lines)], opts);
  const g = w.graph!;
  const at = (id: string) => {
    const i = g.requestIds.indexOf(id);
    expect(i).toBeGreaterThanOrEqual(0);
    return i;
  };
  const deps = (id: string): Dep[] => {
    const out: Dep[] = [];
    const i = at(id);
    for (let d = g.depOffsets[i]!; d < g.depOffsets[i + 1]!; d++) {
      out.push({ on: g.requestIds[g.depSources[d]!]!, dispatch: g.depOnDispatch[d] === 1, delay: g.depDelayMs[d]! });
    }
    return out;
  };
  return { w, g, deps, start: (id: string) => w.firstArrivalMs[at(id)]!, play: (id: string) => g.playIds[g.playOf[at(id)]!]! };
}

async function loadError(lines: object[], opts = {}): Promise<string> {
  try {
    await loadDynamoTrace([file(lines)], opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ReplayError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected the load to fail');
}

const completion = (on: string, delay: number): Dep => ({ on, dispatch: false, delay });

describe('dynamo agent sessions: the request graph (agentic.rs lower_agentic_mooncake_rows)', () => {
  it('a session is a chain: each turn waits for the previous completion plus the recorded gap, tool time included', async () => {
    // agentic_lowering_builds_completion_sequences / non_agent_tool_time_is_preserved_by_the_sequence_gap.
    const t = await graph([
      ctx('r2', 'root', undefined, 1_400, 1_500, [11, 22]),
      ctx('r1', 'root', undefined, 1_000, 1_100, [11]),
      tool('root', 'call-1', 'read', 1_100, 1_300),
      tool('root', 'call-2', 'read', 1_150, 1_250),
    ]);
    expect(t.g.requestIds).toEqual(['r1', 'r2']);
    expect(t.deps('r1')).toEqual([]);
    expect(t.deps('r2')).toEqual([completion('r1', 300)]);
    expect(t.g.playIds).toEqual(['root']);
    expect([t.start('r1'), t.start('r2')]).toEqual([0, 400]);
    expect(t.w.sessionIds).toEqual(['root', 'root']);
    // The prompts grow: r2's first block is r1's (same sequence hash, same id).
    expect(Array.from(t.w.hashIds)).toEqual([0, 0, 1]);
  });

  it('a sub-agent session is spawned by the parent request before it and joined by the parent request after it', async () => {
    // agentic_lowering_adds_subagent_launch_and_join_dependencies.
    const t = await graph([
      ctx('parent-1', 'root', undefined, 1_000, 1_100, [11]),
      ctx('child-1', 'child', 'root', 1_200, 1_300, [33]),
      ctx('parent-2', 'root', undefined, 1_500, 1_600, [11, 22]),
    ]);
    expect(t.deps('child-1')).toEqual([completion('parent-1', 100)]);
    // Sorted by source request id: the join on child-1, then the session's own sequence.
    expect(t.deps('parent-2')).toEqual([completion('child-1', 200), completion('parent-1', 400)]);
    expect(t.play('child-1')).toBe('root');
    expect(t.g.playIds).toEqual(['root']);
  });

  it('a sub-agent started while its parent request ran is spawned on that request\'s dispatch', async () => {
    const t = await graph([ctx('parent-1', 'root', undefined, 1_000, 1_500, [11]), ctx('child-1', 'child', 'root', 1_200, 1_300, [33])]);
    expect(t.deps('child-1')).toEqual([{ on: 'parent-1', dispatch: true, delay: 200 }]);
  });

  it('the join waits for the last-finishing request of the sub-agent session', async () => {
    // agentic_lowering_joins_on_last_finishing_child_request.
    const t = await graph([
      ctx('parent-1', 'root', undefined, 1_000, 1_100, [11]),
      ctx('child-slow', 'child', 'root', 1_200, 1_900, [33]),
      ctx('child-fast', 'child', 'root', 1_300, 1_400, [44]),
      ctx('parent-2', 'root', undefined, 1_500, 1_600, [11, 22]),
      ctx('parent-3', 'root', undefined, 2_000, 2_100, [11, 22, 33]),
    ]);
    expect(t.deps('parent-2')).toEqual([completion('parent-1', 400)]);
    expect(t.deps('parent-3')).toEqual([completion('child-slow', 100), completion('parent-2', 400)]);
    // Within the child session child-fast follows child-slow (it started later); it ended first: no gap.
    expect(t.deps('child-fast')).toEqual([completion('child-slow', 0)]);
  });

  it("a tool's claude metadata names the spawning and joining requests; a background agent is joined by none", async () => {
    // explicit_background_agent_causality_allows_parent_work_until_join.
    const rows = (mode: string) => [
      ctx('parent-1', 'root', undefined, 1_000, 1_100, [11]),
      ctx('child-1', 'child', 'root', 1_200, 1_700, [33]),
      ctx('parent-2', 'root', undefined, 1_300, 1_400, [11, 22]),
      ctx('parent-3', 'root', undefined, 1_850, 1_950, [11, 22, 44]),
      tool('root', 'agent-call', 'Agent', 1_100, 1_800, { source_request_id: 'parent-1', consumer_request_id: 'parent-3', child_session_id: 'child', execution_mode: mode }),
    ];
    const background = await graph(rows('background'));
    expect(background.deps('child-1')).toEqual([completion('parent-1', 100)]);
    expect(background.deps('parent-3')).toEqual([completion('parent-2', 450)]);
    // Blocking: parent-3 (the consumer) joins the child; timestamps alone would have picked it too.
    const blocking = await graph(rows('blocking'));
    expect(blocking.deps('parent-3')).toEqual([completion('child-1', 150), completion('parent-2', 450)]);
    // A tool naming a child the export lacks is an ordinary tool (missing_child_trace_replays_as_external_background_tool).
    const external = await graph([
      ctx('parent-1', 'root', undefined, 1_000, 1_100, [11]),
      ctx('parent-2', 'root', undefined, 1_300, 1_400, [11, 22]),
      tool('root', 'agent-call', 'Agent', 1_100, 1_250, { source_request_id: 'parent-1', consumer_request_id: 'parent-2', child_session_id: 'missing', execution_mode: 'background' }),
    ]);
    expect(external.deps('parent-2')).toEqual([completion('parent-1', 200)]);
  });

  it('plays are root sessions with their sub-agents, sorted by id; starts are relative to the earliest and sped up', async () => {
    const t = await graph(
      [
        ctx('b-1', 'b', undefined, 2_000, 2_100, [5]),
        ctx('a-1', 'a', undefined, 1_000, 1_100, [1]),
        ctx('a-sub-1', 'a-sub', 'a', 1_300, 1_400, [2]),
        ctx('a-sub-sub-1', 'a-sub-sub', 'a-sub', 1_500, 1_600, [3]),
      ],
      { arrivalSpeedupRatio: 2 },
    );
    expect(t.g.playIds).toEqual(['a', 'b']);
    expect(['a-1', 'a-sub-1', 'a-sub-sub-1', 'b-1'].map(t.play)).toEqual(['a', 'a', 'a', 'b']);
    expect([t.start('a-1'), t.start('a-sub-1'), t.start('a-sub-sub-1'), t.start('b-1')]).toEqual([0, 150, 250, 500]);
    expect(t.deps('a-sub-sub-1')).toEqual([completion('a-sub-1', 50)]);
  });

  it('orders request ids by their UTF-8 bytes, as Rust orders Strings', async () => {
    // U+FF61 (UTF-8 EF BD A1) sorts before U+1F600 (F0 9F 98 80), though its UTF-16 unit is larger.
    const ids = ['a\u{1F600}', 'a\uFF61', 'a', 'ab', 'a\u00e9'];
    const bytes = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...ids].sort(byteOrder)).toEqual(bytes);
    expect(bytes).toEqual(['a', 'ab', 'a\u00e9', 'a\uFF61', 'a\u{1F600}']);
    const t = await graph(ids.map((id, k) => ctx(id, `s${k}`, undefined, 0, 10, [k + 1])));
    expect(t.g.requestIds).toEqual(bytes);
  });

  it('a partial last prompt block is private to its request; full blocks keep the trace identity', async () => {
    // input_length 3 at block size 2: one full block (hash 11, shared) and a private partial block.
    const t = await graph([ctx('a', 's', undefined, 0, 10, [11, 22], { isl: 3 }), ctx('b', 's', undefined, 20, 30, [11, 22], { isl: 3 })]);
    expect(Array.from(t.w.inputLength)).toEqual([3, 3]);
    expect(Array.from(t.w.hashIds)).toEqual([0, 1, 0, 2]);
  });
});

describe("dynamo agent sessions: the reference's messages for bad rows", () => {
  const root = ctx('r', 's', undefined, 0, 10, [1]);
  const at = (m: string) => expect.stringMatching(new RegExp(`\\.jsonl:\\d+: ${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  const claude = (over: Partial<Claude>): Claude => ({ source_request_id: 'r', execution_mode: 'blocking', ...over });

  it('refuses inconsistent sessions and tool links', async () => {
    const bare = { ...(request({ id: 'x', session: 's', start: 0, end: 1, hashes: [1] }) as Record<string, unknown>), agent_context: undefined };
    expect(await loadError([root, bare])).toBe('Dynamo request trace cannot mix requests with and without agent_context');
    expect(await loadError([ctx('c1', 'c', 'p1', 0, 10, [1]), ctx('c2', 'c', 'p2', 20, 30, [2])])).toEqual(
      at('session c has conflicting parent_session_id values: p1 and p2'),
    );
    expect(await loadError([root, tool('s', 't1', 'Agent', 0, 5, claude({ execution_mode: 'later' }))])).toEqual(at('tool t1 has unsupported execution_mode later'));
    expect(await loadError([root, tool('s', 't1', 'Agent', 0, 5, claude({ consumer_request_id: 'nope' }))])).toEqual(at('tool t1 references unknown request_id nope'));
    expect(await loadError([root, ctx('o', 'other', undefined, 0, 10, [2]), tool('s', 't1', 'Agent', 0, 5, claude({ source_request_id: 'o' }))])).toEqual(
      at('tool t1 request o belongs to a different session'),
    );
    const child = ctx('c1', 'c', 's', 20, 30, [2]);
    const spawn = (call: string) => tool('s', call, 'Agent', 10, 30, claude({ child_session_id: 'c' }));
    expect(await loadError([root, child, spawn('t1'), spawn('t2')])).toEqual(at('multiple tool events reference child session c'));
    // The tool's session is not the child's parent: its source is not a parent request.
    const elsewhere = [root, ctx('q1', 'q', undefined, 0, 10, [3]), ctx('c1', 'c', 'q', 20, 30, [2]), spawn('t1')];
    expect(await loadError(elsewhere)).toEqual(at('tool t1 source request r is not in parent session q'));
    expect(await loadError([ctx('c1', 'c', 'gone', 0, 10, [1])])).toEqual(at('agent session c references unknown parent session gone'));
  });

  it('refuses cycles, rows the graph cannot take, and a play with two roots', async () => {
    // explicit_causality_rejects_cycles: parent-1 would wait for a child spawned by parent-2.
    const cycle = [
      ctx('parent-1', 'root', undefined, 1_000, 1_100, [11]),
      ctx('child-1', 'child', 'root', 1_200, 1_300, [33]),
      ctx('parent-2', 'root', undefined, 1_400, 1_500, [11, 22]),
      tool('root', 'agent-call', 'Agent', 1_100, 1_200, { source_request_id: 'parent-2', consumer_request_id: 'parent-1', child_session_id: 'child', execution_mode: 'blocking' }),
    ];
    expect(await loadError(cycle)).toBe('agentic request dependencies contain a cycle');
    expect(await loadError([ctx('r', 's', undefined, 0, 10, [1], { model: null })])).toEqual(at('request r is missing model'));
    expect(await loadError([ctx('r', 's', undefined, 0, 10, [1], { model: ' ' })])).toEqual(at('trace line 1 has an empty model'));
    expect(await loadError([ctx('r', 's', undefined, 0, 10, [], { isl: 0 })])).toEqual(at('trace line 1 has empty hash_ids'));
    expect(await loadError([ctx(' ', 's', undefined, 0, 10, [1])])).toEqual(at('trace line 1 has empty request_id'));
    // Lengths past 32 bits are refused (the core's request table), with or without agent_context.
    const huge = ctx('r', 's', undefined, 0, 10, [1], { out: 2 ** 32 });
    expect(await loadError([huge])).toMatch(/invalid request_end at .*\.jsonl:1: input_length or output_tokens exceeds the supported maximum 4294967295$/);
    expect(await loadError([{ ...(huge as Record<string, unknown>), agent_context: undefined }])).toContain('exceeds the supported maximum 4294967295');
    // The sub-agent ran before and past every request of its parent session: nothing spawns or joins it.
    expect(await loadError([ctx('c1', 'c', 's', 0, 50, [2]), ctx('r', 's', undefined, 10, 20, [1])])).toBe('play s must have exactly one root request, found 2');
    expect(await loadError([root, { schema: 'dynamo.request.trace.v1', event_type: 'tool_end', event_time_unix_ms: 5, agent_context: { session_id: 's' }, tool: { tool_call_id: 't' } }])).toContain(
      'missing field `tool_class`',
    );
    expect(await loadError([{ ...(root as Record<string, unknown>), agent_context: { parent_session_id: 'p' } }])).toContain('missing field `session_id`');
  });

  it('refuses what the replay binding refuses for agent sessions, and lanes on a trace without them', async () => {
    const path = file([root]);
    const refused = async (opts: Record<string, unknown>, message: string) =>
      expect(replay({ traceFiles: [path], traceFormat: 'dynamo', ...opts })).rejects.toThrow(message);
    await refused({ replayConcurrency: 2 }, 'agentic Dynamo request traces are not supported with --replay-concurrency');
    await refused({ plannerConfig: JSON.stringify({ mode: 'agg' }) }, 'scaling_policy replay does not support agentic Dynamo request traces');
    const standard = { ...(root as Record<string, unknown>), agent_context: undefined };
    expect(await loadError([standard], { agenticLanes: 2 })).toBe('agentic_lanes requires an agentic Dynamo request trace');
  });
});

describe('dynamo agent sessions: replay', () => {
  // Turn 2 of a session follows turn 1 after a 200 ms tool; a sub-agent is spawned on turn 1's
  // dispatch + 50 ms and joined by turn 3. Block size 4 = the engine's, so prefixes are whole blocks.
  const session = () =>
    file([
      request({ id: 't1', session: 's', start: 10_000, end: 10_100, hashes: [1, 2], isl: 8 }),
      request({ id: 'sub', session: 'agent', parent: 's', start: 10_050, end: 10_300, hashes: [1, 9], isl: 8 }),
      request({ id: 't2', session: 's', start: 10_300, end: 10_400, hashes: [1, 2, 3], isl: 12 }),
      request({ id: 't3', session: 's', start: 10_500, end: 10_600, hashes: [1, 2, 3, 4], isl: 16 }),
    ].map((r) => JSON.parse(JSON.stringify(r).replace(/"trace_block_size":2/, '"trace_block_size":4'))));

  async function run(path: string, opts: Record<string, unknown> = {}) {
    const out = await replay({ traceFiles: [path], traceFormat: 'dynamo', numWorkers: 1, extraEngineArgs: { block_size: 4 }, ...opts });
    const ids = out.workload.graph!.requestIds;
    const r = out.results.requests;
    const i = (id: string) => ids.indexOf(id);
    return { ...out, arrival: (id: string) => r.arrivalMs[i(id)]!, done: (id: string) => r.lastTokenMs[i(id)]!, reused: (id: string) => r.reusedTokens[i(id)]! };
  }

  it('releases each request when its dependencies fire plus their delays; later turns reuse the growing prefix', async () => {
    const t = await run(session());
    expect(t.report.completed_requests).toBe(4);
    expect(t.arrival('t1')).toBe(0);
    expect(t.arrival('sub')).toBe(50); // t1 dispatched at 0, + 50
    expect(t.arrival('t2')).toBeCloseTo(Math.max(t.done('t1') + 200, 300), 6);
    // t3 waits for t2 (+100) and for the sub-agent (its end 10_300 to t3's start: +200).
    expect(t.arrival('t3')).toBeCloseTo(Math.max(t.done('t2') + 100, t.done('sub') + 200, 500), 6);
    // One worker: t2 finds t1's two blocks (8 tokens), t3 finds t2's three (12); the sub-agent shares block 1.
    expect([t.reused('t2'), t.reused('t3'), t.reused('sub')]).toEqual([8, 12, 4]);
  });

  it("per-request records carry the trace's request and session ids", async () => {
    const t = await run(session(), { reportJsonl: join(dir, 'r.jsonl') });
    const records = [...perRequestRecords({ workload: t.workload, results: t.results })];
    expect(records.map((r) => [r.request_id, r.session_id]).sort()).toEqual([
      ['sub', 'agent'],
      ['t1', 's'],
      ['t2', 's'],
      ['t3', 's'],
    ]);
  });

  it('--agentic-lanes runs the plays one after another per lane', async () => {
    const two = () =>
      file([ctx('a1', 'a', undefined, 1_000, 1_100, [1]), ctx('a2', 'a', undefined, 1_300, 1_400, [1, 2]), ctx('b1', 'b', undefined, 1_050, 1_200, [7])]);
    const t = await run(two(), { agenticLanes: 1, extraEngineArgs: { block_size: 2 } });
    expect(t.arrival('a1')).toBe(0);
    expect(t.arrival('b1')).toBeCloseTo(t.done('a2'), 6);
    const free = await run(two(), { extraEngineArgs: { block_size: 2 } });
    expect(free.arrival('b1')).toBe(50);
  });

  it('runs the example shards from the command line', () => {
    const shards = ['examples/dynamo/agentic/sessions.000000.jsonl', 'examples/dynamo/agentic/sessions.000001.jsonl.gz'];
    const report = join(dir, 'agentic.json');
    const ok = runCli(['--trace-format', 'dynamo', ...shards, '--num-workers', '2', '--router-mode', 'kv_router', '--report-json', report]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Request Count \(requests\) +┃ +114\.00/);
    const lanes = runCli(['--trace-format', 'dynamo', ...shards, '--num-workers', '2', '--agentic-lanes', '3', '--report-json', join(dir, 'lanes.json')]);
    expect(lanes.status).toBe(0);
    const closed = runCli(['--trace-format', 'dynamo', ...shards, '--replay-concurrency', '4']);
    expect(closed.status).toBe(1);
    expect(closed.stderr).toContain('agentic Dynamo request traces are not supported with --replay-concurrency');
  });
});
