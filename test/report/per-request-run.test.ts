// Per-request records of real runs: the routing, admission and terminal fields follow the
// reference collector (aisimulate/crates/replay/src/report.rs, TraceCollector: on_route_immediate,
// on_route_queued / on_route_released, on_pool_admission, on_terminal, per_request_records).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay, type ReplayOptions } from '../../src/api.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

async function records(options: ReplayOptions): Promise<Record<string, any>[]> {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'dynosim-pr-')), 'requests.jsonl');
  await replay({ traceFiles: [path.join(examples, 'trace.jsonl')], ...options, reportJsonl: out });
  return readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

describe('per-request records of a run', () => {
  it('aggregated kv_router under queueing and preemption: routing history, admissions, terminal time', async () => {
    const rows = await records({
      numWorkers: 2,
      arrivalSpeedupRatio: 8,
      routerMode: 'kv_router',
      routerConfig: { router_queue_threshold: 0.1 },
      extraEngineArgs: { num_gpu_blocks: 2000, block_size: 16 },
    });
    expect(rows).toHaveLength(400);
    let queued = 0;
    let readmitted = 0;
    for (const r of rows) {
      // Completed: the terminal event is the last token's (on_terminal at completion).
      expect(r.terminal_status).toBe('completed');
      expect(r.terminal_time_ms).toBe(r.last_token_ms);
      // Aggregated: one routing decision in the agg pool; decode/route-overlap detail is disagg only.
      expect(r.routing_history).toHaveLength(1);
      const route = r.routing_history[0];
      expect(route.pool).toBe('agg');
      expect(route.logical_worker_id).toBe(r.decode_worker_idx);
      expect(route.scheduler_id).toBe(r.decode_worker_idx);
      expect(route.dp_rank).toBe(0);
      if (route.outcome === 'queued') {
        queued += 1;
        expect(route.queue_entered_at_ms).toBe(r.arrival_time_ms);
        expect(route.queue_wait_ms).toBeCloseTo(route.released_at_ms - route.queue_entered_at_ms, 9);
        expect(r.first_admit_ms).toBeGreaterThanOrEqual(route.released_at_ms);
      } else {
        expect(route).toMatchObject({ queue_entered_at_ms: null, released_at_ms: null, queue_wait_ms: 0 });
      }
      expect(r.decode_reused_input_tokens).toBeNull();
      expect(r.prefill_route_overlap_tokens).toBeNull();
      expect(r.decode_route_overlap_tokens).toBeNull();
      // Admissions: ordinals count up; re-admissions (after preemption) are the pool's later ones.
      expect(r.admission_count).toBe(r.admission_history.length);
      expect(r.readmission_count).toBe(r.admission_count - 1);
      r.admission_history.forEach((a: Record<string, any>, k: number) => {
        expect(a).toMatchObject({ admission_ordinal: k, pool_admission_ordinal: k, pool: 'agg', is_readmission: k > 0 });
      });
      expect(r.admission_history[0].at_ms).toBe(r.first_admit_ms);
      // reused_input_tokens is the max over admissions (on_admit).
      expect(r.reused_input_tokens).toBe(Math.max(...r.admission_history.map((a: Record<string, any>) => a.reused_input_tokens)));
      if (r.readmission_count > 0) readmitted += 1;
      expect(r.pressure_record_ordinals).toEqual([]);
    }
    // The scenario exercises both paths: a tight queue threshold and a small KV pool.
    expect(queued).toBeGreaterThan(100);
    expect(readmitted).toBeGreaterThan(5);
  });

  it('disaggregated: prefill then decode routing, both pools admitted, decode reuse and route overlaps', async () => {
    const rows = await records({
      prefillEngineArgs: { kv_bytes_per_token: 131072, kv_transfer_bandwidth: 64 },
      decodeEngineArgs: {},
      numPrefillWorkers: 2,
      numDecodeWorkers: 2,
      routerMode: 'kv_router',
    });
    let decodeReuse = 0;
    for (const r of rows) {
      expect(r.routing_history.map((h: Record<string, any>) => h.pool)).toEqual(['prefill', 'decode']);
      expect(r.routing_history[0].logical_worker_id).toBe(r.prefill_worker_idx);
      expect(r.routing_history[1].logical_worker_id).toBe(r.decode_worker_idx);
      expect(r.prefill_route_overlap_tokens).toBe(r.routing_history[0].reported_overlap_tokens);
      expect(r.decode_route_overlap_tokens).toBe(r.routing_history[1].reported_overlap_tokens);
      const pools = r.admission_history.map((a: Record<string, any>) => a.pool);
      expect(pools[0]).toBe('prefill');
      expect(pools).toContain('decode');
      const decodeAdmission = r.admission_history.find((a: Record<string, any>) => a.pool === 'decode');
      expect(decodeAdmission.at_ms).toBe(r.decode_admit_ms);
      expect(decodeAdmission.reused_input_tokens).toBe(r.decode_reused_input_tokens);
      // Whole blocks the destination already held, never more than the prompt.
      expect(r.decode_reused_input_tokens).toBeLessThanOrEqual(r.input_length);
      if (r.decode_reused_input_tokens > 0) decodeReuse += 1;
      expect(r.terminal_time_ms).toBe(r.last_token_ms);
    }
    expect(decodeReuse).toBeGreaterThan(100);
  });

  it('a rejected request ends at its rejection, with no admission', async () => {
    const rows = await records({ numWorkers: 1, extraEngineArgs: { num_gpu_blocks: 4000, block_size: 16, max_model_len: 3000 } });
    const rejected = rows.filter((r) => r.terminal_status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect(r.input_length).toBeGreaterThanOrEqual(3000);
      expect(r.admission_count).toBe(0);
      expect(r.terminal_time_ms).toBeGreaterThanOrEqual(r.arrival_time_ms);
    }
  });
});
