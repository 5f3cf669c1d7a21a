// Per-request JSONL records (`--report-jsonl` / `--per-request-jsonl`), generated lazily line by line.

import type { SimResults } from "../core/results.js";
import { RequestStatus, type RequestDetail } from "../core/results.js";
import type { Workload } from "../core/workload.js";
import { pyFloatRepr, pyIntRepr, pyJsonDumpsCompact, pyJsonString } from "./pyjson.js";

export type TerminalStatus = "completed" | "rejected";
export type RequestPool = "agg" | "prefill" | "decode";

/** One routing decision (aisimulate replay report.rs, PerRequestRoutingRecord). */
export interface RoutingRecord {
  pool: RequestPool;
  outcome: "immediate" | "queued";
  queue_entered_at_ms: number | null;
  released_at_ms: number | null;
  queue_wait_ms: number | null;
  logical_worker_id: number | null;
  scheduler_id: number | null;
  dp_rank: number | null;
  reported_overlap_tokens: number | null;
}

/** One admission into a worker's running set (report.rs, PerRequestAdmissionRecord). */
export interface AdmissionRecord {
  admission_ordinal: number;
  pool_admission_ordinal: number;
  pool: RequestPool;
  at_ms: number;
  reused_input_tokens: number;
  is_readmission: boolean;
}

/**
 * The record of aisimulate replay report.rs `PerRequestRecord` (fields in its declaration order;
 * the writer sorts keys). `request_id` is the trace's own id where it authors one (agentic_mooncake);
 * it and `metadata` are left out as the reference does when the trace authors none.
 */
export interface PerRequestRecord {
  request_id?: string;
  session_id: string | null;
  turn_index: number | null;
  uuid: string;
  arrival_time_ms: number;
  first_admit_ms: number | null;
  terminal_time_ms: number;
  first_token_ms: number | null;
  last_token_ms: number | null;
  ttft_ms: number | null;
  ttst_ms: number | null;
  e2e_latency_ms: number | null;
  itl_ms: number | null;
  input_length: number;
  requested_output_length: number;
  output_length: number;
  reused_input_tokens: number;
  prefill_worker_idx: number | null;
  decode_worker_idx: number | null;
  /** Disaggregated hand-off milestones (null in aggregated replay or when never reached). */
  prefill_admit_ms: number | null;
  source_held_ms: number | null;
  destination_reserved_ms: number | null;
  destination_activated_ms: number | null;
  decode_admit_ms: number | null;
  source_released_ms: number | null;
  decode_reused_input_tokens: number | null;
  prefill_route_overlap_tokens: number | null;
  decode_route_overlap_tokens: number | null;
  routing_history: RoutingRecord[];
  admission_history: AdmissionRecord[];
  admission_count: number;
  readmission_count: number;
  /** Ordinals into the reference's KV-pressure evidence stream, which dynosim does not keep: always empty. */
  pressure_record_ordinals: number[];
  terminal_status: TerminalStatus;
}

/** Per-request fields that are Python ints (at any depth). */
export const PER_REQUEST_INT_KEYS: ReadonlySet<string> = new Set<string>([
  "turn_index",
  "input_length",
  "requested_output_length",
  "output_length",
  "reused_input_tokens",
  "prefill_worker_idx",
  "decode_worker_idx",
  "decode_reused_input_tokens",
  "prefill_route_overlap_tokens",
  "decode_route_overlap_tokens",
  "logical_worker_id",
  "scheduler_id",
  "dp_rank",
  "reported_overlap_tokens",
  "admission_ordinal",
  "pool_admission_ordinal",
  "admission_count",
  "readmission_count",
  "pressure_record_ordinals",
]);

export interface PerRequestInput {
  results: SimResults;
  workload: Workload;
}

/** The request's id as a UUID string of the integer `index + 1` (`00000000-0000-0000-0000-000000000001`). */
export function requestUuid(index: number): string {
  const hex = (index + 1).toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Session index of every request (sessions are contiguous runs of turns). */
function sessionOfRequest(workload: Workload, n: number): Uint32Array {
  const out = new Uint32Array(n);
  const starts = workload.sessionStart;
  for (let s = 0; s + 1 < starts.length; s++) {
    const end = Math.min(starts[s + 1], n);
    for (let i = starts[s]; i < end; i++) out[i] = s;
  }
  return out;
}

/**
 * Indices of terminated (completed or rejected) requests ordered by arrival time, then index
 * (the reference orders by arrival, then uuid; our uuids follow the index).
 */
export function terminatedRequestOrder(results: SimResults): Uint32Array {
  const { status, arrivalMs } = results.requests;
  let count = 0;
  for (let i = 0; i < status.length; i++) if (status[i] !== RequestStatus.Incomplete) count++;
  const order = new Uint32Array(count);
  let k = 0;
  for (let i = 0; i < status.length; i++) if (status[i] !== RequestStatus.Incomplete) order[k++] = i;
  // Stable by construction (index tiebreak); NaN arrivals (should not happen) sort last.
  const key = (i: number): number => (Number.isNaN(arrivalMs[i]) ? Infinity : arrivalMs[i]);
  order.sort((a, b) => key(a) - key(b) || a - b);
  return order;
}

const POOL_NAMES: readonly RequestPool[] = ["agg", "prefill", "decode"];

/** Each request's admissions, in order: offsets into a permutation of the admission log. */
function admissionsByRequest(detail: RequestDetail, n: number): { start: Uint32Array; order: Uint32Array } {
  const who = detail.admissions.request;
  const start = new Uint32Array(n + 1);
  for (let i = 0; i < who.length; i++) start[who[i]! + 1]! += 1;
  for (let r = 0; r < n; r++) start[r + 1]! += start[r]!;
  const fill = start.slice(0, n);
  const order = new Uint32Array(who.length);
  for (let i = 0; i < who.length; i++) order[fill[who[i]!]!++] = i;
  return { start, order };
}

/** The request's routing decisions, pool by pool in the order it met them. */
function routingHistory(detail: RequestDetail, i: number, n: number, disaggregated: boolean): RoutingRecord[] {
  const out: RoutingRecord[] = [];
  for (let p = 0; p < detail.dpSize.length; p++) {
    const k = p * n + i;
    const queuedAt = detail.routeQueuedMs[k]!;
    const routedAt = detail.routedMs[k]!;
    const queued = Number.isFinite(queuedAt);
    if (!queued && !Number.isFinite(routedAt)) continue;
    const placed = Number.isFinite(routedAt);
    const target = detail.routeTarget[k]!;
    const dp = detail.dpSize[p]!;
    out.push({
      pool: disaggregated ? POOL_NAMES[p + 1]! : "agg",
      outcome: queued ? "queued" : "immediate",
      queue_entered_at_ms: queued ? queuedAt : null,
      released_at_ms: queued && placed ? routedAt : null,
      queue_wait_ms: !queued ? 0 : placed ? Math.max(routedAt - queuedAt, 0) : null,
      logical_worker_id: placed ? Math.floor(target / dp) : null,
      scheduler_id: placed ? target : null,
      dp_rank: placed ? target % dp : null,
      reported_overlap_tokens: placed ? detail.routeOverlapTokens[k]! : null,
    });
  }
  return out;
}

/**
 * Records for terminated requests, in report order. Lazy: nothing is materialized up front.
 * Field meanings follow aisimulate replay report.rs (TraceCollector::per_request_records).
 */
export function* perRequestRecords(input: PerRequestInput): Generator<PerRequestRecord> {
  const { results, workload } = input;
  const r = results.requests;
  const detail = r.detail;
  if (!detail) throw new Error("per-request records need the run's request detail (NativeSimConfig.requestDetail)");
  // Disaggregated runs carry the prefill side and the hand-off; aggregated ones report nulls.
  const h = r.handoff;
  const n = r.status.length;
  const sessionOf = sessionOfRequest(workload, n);
  const admitted = admissionsByRequest(detail, n);
  const adm = detail.admissions;
  for (const i of terminatedRequestOrder(results)) {
    const s = sessionOf[i];
    const arrival = r.arrivalMs[i];
    const first = r.firstTokenMs[i];
    const second = r.secondTokenMs[i];
    const last = r.lastTokenMs[i];
    const outputLength = r.outputTokens[i];
    const hasFirst = Number.isFinite(first);
    const hasLast = Number.isFinite(last);
    const gaps = outputLength - 1;
    const decodeIdx = r.workerIdx[i];
    const prefillIdx = h ? h.prefillWorkerIdx[i] : -1;
    const at = (times: Float64Array | undefined): number | null => (times ? orNull(times[i]) : null);
    const admissions: AdmissionRecord[] = [];
    const perPool = [0, 0, 0];
    let readmissions = 0;
    for (let k = admitted.start[i]!; k < admitted.start[i + 1]!; k++) {
      const a = admitted.order[k]!;
      const pool = adm.pool[a]!;
      const ordinal = perPool[pool]!++;
      if (ordinal > 0) readmissions += 1;
      admissions.push({
        admission_ordinal: admissions.length,
        pool_admission_ordinal: ordinal,
        pool: POOL_NAMES[pool]!,
        at_ms: adm.atMs[a]!,
        reused_input_tokens: adm.reusedTokens[a]!,
        is_readmission: ordinal > 0,
      });
    }
    const decodeAdmitted = h !== undefined && Number.isFinite(h.decodeAdmitMs[i]);
    const overlapIn = (p: number): number | null => (h && Number.isFinite(detail.routedMs[p * n + i]) ? detail.routeOverlapTokens[p * n + i]! : null);
    yield {
      ...(workload.graph ? { request_id: workload.graph.requestIds[i] } : {}),
      session_id: workload.sessionIds[s] ?? null,
      turn_index: s < workload.sessionStart.length ? i - workload.sessionStart[s] : null,
      uuid: requestUuid(i),
      arrival_time_ms: arrival,
      first_admit_ms: orNull(r.firstAdmitMs[i]),
      terminal_time_ms: detail.terminalMs[i]!,
      first_token_ms: hasFirst ? first : null,
      last_token_ms: hasLast ? last : null,
      ttft_ms: hasFirst ? Math.max(first - arrival, 0) : null,
      ttst_ms: hasFirst && Number.isFinite(second) ? Math.max(second - first, 0) : null,
      e2e_latency_ms: hasLast ? Math.max(last - arrival, 0) : null,
      itl_ms: gaps > 0 && hasFirst && hasLast ? Math.max(last - first, 0) / gaps : null,
      input_length: workload.inputLength[i],
      requested_output_length: workload.outputLength[i],
      output_length: outputLength,
      reused_input_tokens: r.reusedTokens[i],
      prefill_worker_idx: prefillIdx >= 0 ? prefillIdx : null,
      decode_worker_idx: decodeIdx >= 0 ? decodeIdx : null,
      prefill_admit_ms: h ? orNull(r.firstAdmitMs[i]) : null,
      source_held_ms: at(h?.sourceHeldMs),
      destination_reserved_ms: at(h?.destinationReservedMs),
      destination_activated_ms: at(h?.destinationActivatedMs),
      decode_admit_ms: at(h?.decodeAdmitMs),
      // The source releases its KV the moment the destination activates.
      source_released_ms: at(h?.destinationActivatedMs),
      decode_reused_input_tokens: decodeAdmitted && h.decodeReusedTokens ? h.decodeReusedTokens[i]! : null,
      prefill_route_overlap_tokens: overlapIn(0),
      decode_route_overlap_tokens: overlapIn(1),
      routing_history: routingHistory(detail, i, n, h !== undefined),
      admission_history: admissions,
      admission_count: admissions.length,
      readmission_count: readmissions,
      pressure_record_ordinals: [],
      terminal_status: r.status[i] === RequestStatus.Completed ? "completed" : "rejected",
    };
  }
}

/**
 * One compact JSON line (Python `json.dumps(rec, sort_keys=True, separators=(",", ":"))`), no
 * newline: the generic serializer, which sorts every object's keys. The JSONL writer uses
 * `perRequestLine`, which knows the record's shape; tests hold the two equal.
 */
export function formatPerRequestRecord(record: PerRequestRecord): string {
  return pyJsonDumpsCompact(record as unknown as Parameters<typeof pyJsonDumpsCompact>[0], {
    intKeys: PER_REQUEST_INT_KEYS,
  });
}

// Python's spelling of the record's values: floats by repr, ints as ints, null for absent.
const f = (x: number | null): string => (x === null ? "null" : pyFloatRepr(x));
const i = (x: number | null): string => (x === null ? "null" : pyIntRepr(x));

function routingText(r: RoutingRecord): string {
  return (
    `{"dp_rank":${i(r.dp_rank)},"logical_worker_id":${i(r.logical_worker_id)},"outcome":${pyJsonString(r.outcome)},` +
    `"pool":${pyJsonString(r.pool)},"queue_entered_at_ms":${f(r.queue_entered_at_ms)},"queue_wait_ms":${f(r.queue_wait_ms)},` +
    `"released_at_ms":${f(r.released_at_ms)},"reported_overlap_tokens":${i(r.reported_overlap_tokens)},"scheduler_id":${i(r.scheduler_id)}}`
  );
}

function admissionText(a: AdmissionRecord): string {
  return (
    `{"admission_ordinal":${i(a.admission_ordinal)},"at_ms":${f(a.at_ms)},"is_readmission":${a.is_readmission},` +
    `"pool":${pyJsonString(a.pool)},"pool_admission_ordinal":${i(a.pool_admission_ordinal)},"reused_input_tokens":${i(a.reused_input_tokens)}}`
  );
}

const listText = <T>(items: readonly T[], text: (item: T) => string): string => `[${items.map(text).join(",")}]`;

/**
 * `formatPerRequestRecord(record)`, written field by field in Python's sorted-key order: a million
 * records spent most of their time sorting keys and dispatching on value types.
 */
export function perRequestLine(r: PerRequestRecord): string {
  return (
    `{"admission_count":${i(r.admission_count)},"admission_history":${listText(r.admission_history, admissionText)},` +
    `"arrival_time_ms":${f(r.arrival_time_ms)},"decode_admit_ms":${f(r.decode_admit_ms)},` +
    `"decode_reused_input_tokens":${i(r.decode_reused_input_tokens)},"decode_route_overlap_tokens":${i(r.decode_route_overlap_tokens)},` +
    `"decode_worker_idx":${i(r.decode_worker_idx)},"destination_activated_ms":${f(r.destination_activated_ms)},` +
    `"destination_reserved_ms":${f(r.destination_reserved_ms)},"e2e_latency_ms":${f(r.e2e_latency_ms)},` +
    `"first_admit_ms":${f(r.first_admit_ms)},"first_token_ms":${f(r.first_token_ms)},"input_length":${i(r.input_length)},` +
    `"itl_ms":${f(r.itl_ms)},"last_token_ms":${f(r.last_token_ms)},"output_length":${i(r.output_length)},` +
    `"prefill_admit_ms":${f(r.prefill_admit_ms)},"prefill_route_overlap_tokens":${i(r.prefill_route_overlap_tokens)},` +
    `"prefill_worker_idx":${i(r.prefill_worker_idx)},"pressure_record_ordinals":${listText(r.pressure_record_ordinals, i)},` +
    `"readmission_count":${i(r.readmission_count)},` +
    (r.request_id === undefined ? "" : `"request_id":${pyJsonString(r.request_id)},`) +
    `"requested_output_length":${i(r.requested_output_length)},"reused_input_tokens":${i(r.reused_input_tokens)},` +
    `"routing_history":${listText(r.routing_history, routingText)},` +
    `"session_id":${r.session_id === null ? "null" : pyJsonString(r.session_id)},` +
    `"source_held_ms":${f(r.source_held_ms)},"source_released_ms":${f(r.source_released_ms)},` +
    `"terminal_status":${pyJsonString(r.terminal_status)},"terminal_time_ms":${f(r.terminal_time_ms)},` +
    `"ttft_ms":${f(r.ttft_ms)},"ttst_ms":${f(r.ttst_ms)},"turn_index":${i(r.turn_index)},"uuid":${pyJsonString(r.uuid)}}`
  );
}

/** JSONL lines, each terminated by "\n", generated lazily (suitable for millions of requests). */
export function* perRequestJsonlLines(input: PerRequestInput): Generator<string> {
  for (const record of perRequestRecords(input)) yield perRequestLine(record) + "\n";
}

/**
 * The same JSONL as bytes, in chunks of about `chunkBytes`: each line is written into the chunk as
 * it is made (the lines are ASCII: Python's ensure_ascii), so the lines die young instead of piling
 * up to be joined and encoded again. Each chunk yielded is fresh (the writer may hold it).
 */
export function* perRequestJsonlChunks(input: PerRequestInput, chunkBytes = 1 << 20): Generator<Uint8Array> {
  let chunk = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  for (const record of perRequestRecords(input)) {
    const line = perRequestLine(record) + "\n";
    if (used + line.length > chunk.length) {
      if (used > 0) yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(Math.max(chunkBytes, line.length));
      used = 0;
    }
    used += chunk.write(line, used, "latin1");
  }
  if (used > 0) yield chunk.subarray(0, used);
}
