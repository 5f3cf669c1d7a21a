// `--trace-format dynamo`: dynamo.request.trace.v1 shards lowered to independent timed requests, as
// lib/data-gen/src/request_trace/load.rs (load_request_trace_records, request_entry, request_times)
// and mooncake.rs (lower_mooncake_rows, replay_hash_ids_and_output_tokens) do, with the block size
// read from the trace (lib/mocker/src/loadgen/dynamo.rs, validate_dynamo_trace_block_size).
// Fixtures are written here from the schema.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from '../../src/api.js';
import { checkReplayOptions } from '../../src/config/replay-options.js';
import { ReplayError } from '../../src/errors.js';
import { loadDynamoTrace } from '../../src/trace/dynamo.js';

const dir = mkdtempSync(join(tmpdir(), 'dynosim-dynamo-'));
const examples = join(fileURLToPath(new URL('.', import.meta.url)), '../../examples');
// examples/dynamo holds examples/trace.jsonl as Dynamo would have captured it: the same arrivals,
// lengths and prefix structure (a chained hash per 512-token block), in two shards, one gzipped.
const dynamoExample = [join(examples, 'dynamo/requests.000000.jsonl'), join(examples, 'dynamo/requests.000001.jsonl.gz')];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function shard(lines: (string | object)[], gzip = false): string {
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  const path = join(dir, `requests.${String(n++).padStart(6, '0')}.jsonl${gzip ? '.gz' : ''}`);
  writeFileSync(path, gzip ? gzipSync(Buffer.from(text)) : text);
  return path;
}

interface Req {
  id: string;
  received: number;
  total?: number;
  event?: number;
  out?: number;
  isl: number;
  block?: number;
  hashes: (number | string)[];
  completion?: (number | string)[];
  context?: object;
}

/** One request_end row; hashes given as strings are written as bare JSON integers (u64 beyond 2^53). */
function end(r: Req): string {
  const replay = `{"trace_block_size":${r.block ?? 4},"input_length":${r.isl},"input_sequence_hashes":[${r.hashes.join(',')}]` +
    (r.completion ? `,"completion_sequence_hashes":[${r.completion.join(',')}]` : '') + '}';
  const total = r.total === undefined ? '' : `,"total_time_ms":${r.total}`;
  const request = `{"request_id":"${r.id}","model":"m","request_received_ms":${r.received}${total},"output_tokens":${r.out ?? 2},"replay":${replay}}`;
  const context = r.context ? `,"agent_context":${JSON.stringify(r.context)}` : '';
  return `{"schema":"dynamo.request.trace.v1","event_type":"request_end","event_time_unix_ms":${r.event ?? r.received + 100}${context},"request":${request}}`;
}

async function loadError(paths: string[], opts = {}): Promise<string> {
  try {
    await loadDynamoTrace(paths, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ReplayError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected the load to fail');
}

describe('dynamo request traces', () => {
  it('reads several shards (one gzip) into independent requests ordered by (start, end, request_id)', async () => {
    const big = '18446744073709551615'; // u64 max: beyond 2^53, must not be rounded
    const near = '18446744073709551614'; // rounds to the same double as `big`
    const a = shard([
      end({ id: 'req-a', received: 1_000, total: 100, isl: 8, hashes: [11, big] }),
      // Skipped: payload capture and tool events carry nothing for the standard model.
      '{"schema":"dynamo.request.trace.v1","event_type":"request_payload","event_time_unix_ms":1050,"payload":{"request_id":"req-a"}}',
      '{"schema":"dynamo.request.trace.v1","event_type":"tool_end","event_time_unix_ms":1060,"tool":{"tool_call_id":"t","tool_class":"search"}}',
      '',
    ]);
    const b = shard(
      [
        // Wrapped as {"event": ...}; no total_time_ms: it ends at its event time (1700).
        `{"timestamp":1,"event":${end({ id: 'req-b', received: 1_000, event: 1_700, isl: 3, hashes: [11] })}}`,
        end({ id: 'req-c', received: 1_500, total: 100, isl: 8, out: 5, hashes: [11, near] }),
      ],
      true,
    );
    const w = await loadDynamoTrace([b, a]);
    expect(w.traceBlockSize).toBe(4);
    expect(Array.from(w.inputLength)).toEqual([8, 3, 8]); // a (ends 1100), b (ends 1700), c
    expect(Array.from(w.outputLength)).toEqual([2, 2, 5]);
    expect(Array.from(w.firstArrivalMs)).toEqual([0, 0, 500]);
    expect(Array.from(w.sessionStart)).toEqual([0, 1, 2, 3]);
    expect(w.sessionIds).toEqual(['request_1', 'request_2', 'request_3']);
    const ids = Array.from(w.hashIds);
    expect(Array.from(w.hashOffsets)).toEqual([0, 2, 3, 5]);
    // Equal sequence hashes share an id; u64 hashes one apart stay distinct.
    expect(ids[0]).toBe(ids[2]);
    expect(ids[0]).toBe(ids[3]);
    expect(ids[1]).not.toBe(ids[4]);
    expect(new Set(ids).size).toBe(3);
  });

  it('reads sequence hashes as exact u64 decimals; past u64 is refused', async () => {
    const max = '18446744073709551615';
    const w = await loadDynamoTrace([shard([end({ id: 'a', received: 0, isl: 12, hashes: [7, 0, max] }), end({ id: 'b', received: 1, isl: 4, hashes: [max] })])]);
    expect(Array.from(w.hashIds)).toEqual([0, 1, 2, 2]);
    const over = shard([end({ id: 'a', received: 0, isl: 4, hashes: ['18446744073709551616'] })]);
    expect(await loadError([over])).toMatch(/:1: failed to parse .*: field "input_sequence_hashes" must be an array of u64 hashes, got 18446744073709551616$/);
  });

  it('completes a partial last prompt block with the first generated block', async () => {
    // input 3 of block 4: the completion's block 1 replaces the prompt's partial block 1.
    const p = shard([
      end({ id: 'parent', received: 0, isl: 6, out: 1, hashes: [11, 12], completion: [11, 22] }),
      end({ id: 'child', received: 500, isl: 8, out: 1, hashes: [11, 22] }),
    ]);
    const w = await loadDynamoTrace([p]);
    const ids = Array.from(w.hashIds);
    expect(ids[1]).toBe(ids[3]);
  });

  it('takes the block size from the trace; --trace-block-size must agree; one size across shards', async () => {
    const four = shard([end({ id: 'x', received: 0, isl: 4, hashes: [1] })]);
    const eight = shard([end({ id: 'y', received: 0, isl: 8, block: 8, hashes: [2] })]);
    expect((await loadDynamoTrace([four], { traceBlockSize: 4 })).traceBlockSize).toBe(4);
    expect(await loadError([four], { traceBlockSize: 64 })).toBe(
      'trace_block_size 64 does not match embedded Dynamo request trace block size 4',
    );
    expect(await loadError([four, eight])).toContain('mixed replay trace_block_size values are not supported: 4 and 8');
  });

  it("refuses bad rows with the reference's messages, naming shard and line", async () => {
    const one = (line: string) => shard([line]);
    let p = one(end({ id: 'r', received: 0, isl: 8, hashes: [1, 2, 3] }));
    expect(await loadError([p])).toBe(
      `${p}:1: invalid request_end at ${p}:1: input_length 8 with trace_block_size 4 requires exactly 2 replay hashes, got 3`,
    );
    p = one('{"schema":"dynamo.request.trace.v1","event_type":"request_end","event_time_unix_ms":5,"request":{"request_id":"r","output_tokens":1,"replay":{"trace_block_size":2,"input_length":2,"input_sequence_hashes":[1]}}}');
    expect(await loadError([p])).toContain('request trace is missing request_received_ms');
    p = shard([end({ id: 'r', received: 0, isl: 4, hashes: [1] }), end({ id: 'r', received: 0, isl: 4, hashes: [1] })]);
    expect(await loadError([p])).toBe(`${p}:2: duplicate request_id r at ${p}:2`);
    p = one('{"schema":"dynamo.request.trace.v1","event_type":"request_start","event_time_unix_ms":5}');
    expect(await loadError([p])).toBe(
      `${p}:1: request trace schema only supports request_end/tool_* and request_payload events, got request_start at ${p}:1`,
    );
    p = one('{"schema":"dynamo.request.trace.v2","event_type":"request_end","event_time_unix_ms":5}');
    expect(await loadError([p])).toContain('unknown variant "dynamo.request.trace.v2"');
    p = one(end({ id: 'r', received: 0, isl: 4, hashes: [1], completion: [9, 2] }));
    expect(await loadError([p])).toContain('completion replay hashes do not preserve the full input-block prefix');
    p = one('{"schema":"dynamo.request.trace.v1","event_type":"tool_end","event_time_unix_ms":5}');
    expect(await loadError([p])).toBe('no request_end records with replay fields found');
  });

  it('agent_context rows: mixing is refused as the reference does; agent sessions load as a request graph (dynamo-agentic.test.ts)', async () => {
    const ctx = end({ id: 'a', received: 0, isl: 4, hashes: [1], context: { session_id: 's' } });
    const bare = end({ id: 'b', received: 0, isl: 4, hashes: [1] });
    expect(await loadError([shard([ctx, bare])])).toBe('Dynamo request trace cannot mix requests with and without agent_context');
    const sessions = await loadDynamoTrace([shard([ctx])]);
    expect(sessions.graph?.requestIds).toEqual(['a']);
    expect((await loadDynamoTrace([shard([bare])])).graph).toBeUndefined();
  });

  it('replays end to end: the later request reuses the shared prefix block', async () => {
    const p = shard([
      end({ id: 'first', received: 10_000, isl: 8, out: 2, hashes: [101, 102] }),
      end({ id: 'second', received: 10_500, isl: 8, out: 2, hashes: [101, 203] }),
    ]);
    const out = join(dir, 'requests.out.jsonl');
    const { report } = await replay({
      traceFiles: [p],
      traceFormat: 'dynamo',
      numWorkers: 1,
      extraEngineArgs: { block_size: 4 },
      reportJsonl: out,
    });
    expect(report.completed_requests).toBe(2);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.arrival_time_ms, r.reused_input_tokens])).toEqual([
      [0, 0],
      [500, 4],
    ]);
  });

  it('the API accepts every format by name, and refuses unknown ones', () => {
    expect(() => checkReplayOptions({ traceFiles: ['a', 'b'], traceFormat: 'dynamo' })).not.toThrow();
    expect(() => checkReplayOptions({ traceFiles: ['a', 'b'] })).toThrow('--trace-format=mooncake requires exactly one trace file');
    expect(() => checkReplayOptions({ traceFiles: ['a'], traceFormat: 'agentic_mooncake' })).not.toThrow();
    expect(() => checkReplayOptions({ traceFiles: ['a'], traceFormat: 'mooncake_delta' })).not.toThrow();
    expect(() => checkReplayOptions({ traceFiles: ['a'], traceFormat: 'csv' })).toThrow('--trace-format must be one of');
  });

  it('the example shards replay exactly as the Mooncake trace they were captured from', async () => {
    const options = { numWorkers: 8, routerMode: 'kv_router' as const };
    const fromDynamo = (await replay({ traceFiles: dynamoExample, traceFormat: 'dynamo', ...options })).report;
    const fromMooncake = (await replay({ traceFiles: [join(examples, 'trace.jsonl')], ...options })).report;
    const timeless = (r: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'wall_time_ms' && !k.startsWith('processed_tokens_per_s') && k !== 'processed_output_tokens_per_s'));
    expect(fromDynamo.num_requests).toBe(400);
    expect(fromDynamo.prefix_cache_reused_ratio).toBeGreaterThan(0.3);
    expect(timeless(fromDynamo)).toEqual(timeless(fromMooncake));
  });

  it('plans on a Dynamo trace (the newer reference takes mooncake or dynamo with --planner-config)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dynosim-dynamo-planner-'));
    const plannerConfig = JSON.stringify({
      mode: 'agg',
      throughput_adjustment_interval_seconds: 60,
      load_adjustment_interval_seconds: 5,
      report_output_dir: out,
      report_filename: 'dynamo.html',
    });
    const { report, planner } = await replay({ traceFiles: dynamoExample, traceFormat: 'dynamo', plannerConfig, numWorkers: 2 });
    expect(planner!.ticks).toBeGreaterThanOrEqual(1);
    expect(report.completed_requests).toBe(400);
  });
});
