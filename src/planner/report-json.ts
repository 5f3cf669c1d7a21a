// The planner's part of the replay output: the `planner` section of the report JSON (metadata,
// ticks, scaling_events, total_ticks, html_report_path) and the stdout lines (planner-mode order in
// replay_cli.md §3.1).

import type { PyJsonValue } from '../report/pyjson.js';
import type { PlannerSummary } from './replay-planner.js';
import type { EngineLoadSnapshot, ScalingEvent, TickSnapshot } from './types.js';

/** Keys of the planner section whose numbers are Python ints (for `pyJsonDumps`' `intKeys`). */
export const PLANNER_INT_KEYS: ReadonlySet<string> = new Set([
  'total_ticks',
  'from_count',
  'to_count',
  'num_prefill_replicas',
  'num_decode_replicas',
  'worker_id',
  'dp_rank',
  'queued_prefill_tokens',
  'queued_decode_kv_tokens',
  'inflight_decode_kv_tokens',
  'scale_to_prefill',
  'scale_to_decode',
  'throughput_lower_bound_prefill',
  'throughput_lower_bound_decode',
  'granularity',
  'prefill_fpms',
  'decode_fpms',
  'num_gpu',
  'max_num_batched_tokens',
  'max_num_seqs',
  'context_length',
  'max_kv_tokens',
  'block_size',
  'speculative_nextn',
  'dp_size',
  'prefill_gpus_per_replica',
  'decode_gpus_per_replica',
  'prefill_engine_num_gpu_config',
  'decode_engine_num_gpu_config',
  'max_gpu_budget',
  'min_gpu_budget',
  'min_endpoint',
  'prefill_min_endpoint',
  'decode_min_endpoint',
  'load_adjustment_interval_seconds',
  'throughput_adjustment_interval_seconds',
]);

/** Python's `f"{x:.1f}"` for the event times. */
function fixed1(x: number): string {
  // toFixed rounds exact ties up, Python to even; one-decimal ties are exactly the odd quarters.
  const q = x * 4;
  let s: string;
  if (Number.isInteger(q) && Math.abs(q % 2) === 1) {
    const n = Math.floor(x * 10);
    const even = n % 2 === 0 ? n : n + 1;
    s = (even / 10).toFixed(1);
  } else s = x.toFixed(1);
  return s === '-0.0' ? '0.0' : s;
}

/** One line per event: `  t=<at_s:.1f>s [<component>]: <from> -> <to> workers (<reason>)`, each newline-terminated. */
export function formatScalingEvents(events: readonly ScalingEvent[]): string {
  return events.map((e) => `  t=${fixed1(e.atS)}s [${e.component}]: ${e.from} -> ${e.to} workers (${e.reason})\n`).join('');
}

/** The block printed before the table: `\nScaling events:\n` and the event lines ('' without events). */
export function formatScalingEventsBlock(events: readonly ScalingEvent[]): string {
  return events.length === 0 ? '' : `\nScaling events:\n${formatScalingEvents(events)}`;
}

/** The lines printed after `Saved full report to: …`. */
export function formatPlannerTrailer(totalTicks: number, htmlReportPath: string | null): string {
  return `Planner ticks: ${totalTicks}\n${htmlReportPath !== null ? `Planner diagnostics report: ${htmlReportPath}\n` : ''}`;
}

function engineJson(e: EngineLoadSnapshot): PyJsonValue {
  return {
    worker_id: e.workerId,
    dp_rank: e.dpRank,
    queued_prefill_tokens: e.queuedPrefillTokens,
    queued_decode_kv_tokens: e.queuedDecodeKvTokens,
    inflight_decode_kv_tokens: e.inflightDecodeKvTokens,
  };
}

/** One recorded tick with the reference's snake_case field names. */
export function tickJson(s: TickSnapshot): { [key: string]: PyJsonValue } {
  return {
    timestamp_s: s.timestampS,
    num_prefill_replicas: s.numPrefillReplicas,
    num_decode_replicas: s.numDecodeReplicas,
    observed_ttft_ms: s.observedTtftMs,
    observed_itl_ms: s.observedItlMs,
    observed_requests_per_second: s.observedRps,
    observed_input_sequence_tokens: s.observedIsl,
    observed_output_sequence_tokens: s.observedOsl,
    estimated_ttft_ms: s.estimatedTtftMs,
    estimated_itl_ms: s.estimatedItlMs,
    predicted_requests_per_second: s.predictedRps,
    predicted_num_req: s.predictedNumReq,
    predicted_input_sequence_tokens: s.predictedIsl,
    predicted_output_sequence_tokens: s.predictedOsl,
    predicted_kv_hit_rate: s.predictedKvHitRate,
    accept_length: s.acceptLength,
    engine_rps_prefill: s.engineRpsPrefill,
    engine_rps_decode: s.engineRpsDecode,
    throughput_lower_bound_prefill: s.throughputLowerBoundPrefill,
    throughput_lower_bound_decode: s.throughputLowerBoundDecode,
    load_decision_reason: s.loadReason,
    load_decision_reason_prefill: s.loadReasonPrefill,
    load_decision_reason_decode: s.loadReasonDecode,
    throughput_decision_reason: s.throughputReason,
    throughput_decision_reason_prefill: s.throughputReasonPrefill,
    throughput_decision_reason_decode: s.throughputReasonDecode,
    prefill_engines: s.prefillEngines.map(engineJson),
    decode_engines: s.decodeEngines.map(engineJson),
    scale_to_prefill: s.scaleToPrefill,
    scale_to_decode: s.scaleToDecode,
    gpu_hours: s.gpuHours,
  };
}

export function scalingEventJson(e: ScalingEvent): PyJsonValue {
  return { at_s: e.atS, component: e.component, from_count: e.from, to_count: e.to, reason: e.reason };
}

/** The report JSON's `planner` section. */
export function buildPlannerReportSection(summary: PlannerSummary, htmlReportPath: string | null): PyJsonValue {
  return {
    metadata: { ...(summary.metadata as unknown as { [key: string]: PyJsonValue }), gpu_hours: summary.gpuHours },
    ticks: summary.snapshots.map(tickJson),
    scaling_events: summary.events.map(scalingEventJson),
    lifecycle_operations: [],
    total_ticks: summary.totalTicks,
    html_report_path: htmlReportPath,
  };
}
