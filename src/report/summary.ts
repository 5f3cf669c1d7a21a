// The flat summary report (`--report-json`), key for key as the reference collector serializes it.

import type { Distribution, SimResults } from "../core/results.js";
import type { PyJsonValue } from './pyjson.js';
import { RequestStatus } from "../core/results.js";
import type { Workload } from "../core/workload.js";
import { pyJsonDumpsFile } from "./pyjson.js";

export const DISTRIBUTION_STATS = ["mean", "min", "max", "median", "p75", "p90", "p95", "p99", "std"] as const;
export type DistributionStat = (typeof DISTRIBUTION_STATS)[number];

/** Latency distributions, serialized as `<stat>_<name>_ms`. */
export const LATENCY_DISTRIBUTIONS = ["ttft", "ttst", "tpot", "itl", "e2e_latency"] as const;
export type LatencyDistributionName = (typeof LATENCY_DISTRIBUTIONS)[number];

type LatencyKey = `${DistributionStat}_${LatencyDistributionName}_ms`;
type OtpuKey = `${DistributionStat}_output_token_throughput_per_user`;

type IntKey =
  | "num_requests"
  | "completed_requests"
  | "total_input_tokens"
  | "total_output_tokens"
  | "prefill_gpus_per_worker"
  | "decode_gpus_per_worker"
  | "processed_tokens";

type FloatKey =
  | "duration_ms"
  | "wall_time_ms"
  | "request_throughput_rps"
  | "input_throughput_tok_s"
  | "output_throughput_tok_s"
  | "total_throughput_tok_s"
  | "prefill_worker_seconds"
  | "decode_worker_seconds"
  | "gpu_hours"
  | "processed_tokens_per_s"
  | "processed_output_tokens_per_s"
  | "prefix_cache_reused_ratio"
  | "first_admission_prefix_cache_reused_ratio"
  | LatencyKey
  | OtpuKey;

/**
 * The flat report: 74 always-present keys, plus the 3 `goodput_*` keys when an SLA is set.
 * Keys in FLAT_REPORT_INT_KEYS are Python ints (Rust `usize` in the reference); all others floats.
 */
export type FlatReport = { [K in IntKey | FloatKey]: number } & {
  goodput_completed_requests?: number;
  goodput_request_throughput_rps?: number;
  goodput_output_throughput_tok_s?: number;
  /** Planner-in-the-loop replay: metadata, ticks, scaling events, total ticks, HTML path. */
  planner?: PyJsonValue;
};

/**
 * Keys whose values are ints in the reference JSON (serde `usize` → Python int): request and token
 * counts, GPUs per worker, processed token count and the goodput request count.
 * Every other report value (including counts-derived rates and worker-seconds) is a float.
 */
export const FLAT_REPORT_INT_KEYS: ReadonlySet<string> = new Set<string>([
  "num_requests",
  "completed_requests",
  "total_input_tokens",
  "total_output_tokens",
  "prefill_gpus_per_worker",
  "decode_gpus_per_worker",
  "processed_tokens",
  "goodput_completed_requests",
]);

export interface SlaThresholds {
  ttftMs?: number;
  itlMs?: number;
  e2eMs?: number;
}

export interface FlatReportInput {
  results: SimResults;
  workload: Workload;
  /** Real elapsed time of the simulation, ms. */
  wallTimeMs: number;
  /** Goodput SLA; goodput keys are emitted only when at least one bound is set. */
  sla?: SlaThresholds;
  prefillGpusPerWorker: number;
  decodeGpusPerWorker: number;
}

export function slaIsSet(sla: SlaThresholds | undefined): sla is SlaThresholds {
  return sla !== undefined && (sla.ttftMs !== undefined || sla.itlMs !== undefined || sla.e2eMs !== undefined);
}

/**
 * Whether a completed request that emitted `outputLength >= 1` tokens meets the SLA: every set bound
 * must hold; the ITL bound is checked on the per-request average `(e2e − ttft) / (n − 1)` and skipped
 * when n ≤ 1.
 */
export function meetsSla(sla: SlaThresholds, ttftMs: number, e2eMs: number, outputLength: number): boolean {
  if (sla.e2eMs !== undefined && e2eMs > sla.e2eMs) return false;
  if (sla.ttftMs !== undefined && ttftMs > sla.ttftMs) return false;
  if (sla.itlMs !== undefined && outputLength > 1) {
    const avgItlMs = (e2eMs - ttftMs) / (outputLength - 1);
    if (avgItlMs > sla.itlMs) return false;
  }
  return true;
}

/** A completed request that emitted no token is good only under an e2e-only SLA. */
export function meetsSlaWithoutTokens(sla: SlaThresholds, e2eMs: number): boolean {
  return sla.ttftMs === undefined && sla.itlMs === undefined && sla.e2eMs !== undefined && e2eMs <= sla.e2eMs;
}

const finite = (x: number): boolean => Number.isFinite(x);

/**
 * Terminal time of a completed request: its last token; a zero-token completion (no token times)
 * falls back to its first admission, then its arrival.
 */
function completedTerminalMs(r: SimResults["requests"], i: number): number {
  const last = r.lastTokenMs[i];
  if (finite(last)) return last;
  const admit = r.firstAdmitMs[i];
  if (finite(admit)) return admit;
  return r.arrivalMs[i];
}

function putDistribution(
  report: Record<string, number>,
  d: Distribution,
  name: string,
  suffix: "_ms" | "",
): void {
  // Empty distributions report zeros everywhere, whatever the native side left in the fields.
  const empty = d.count === 0;
  for (const stat of DISTRIBUTION_STATS) {
    report[`${stat}_${name}${suffix}`] = empty ? 0 : d[stat];
  }
}

export function buildFlatReport(input: FlatReportInput): FlatReport {
  const { results, workload, wallTimeMs, sla } = input;
  const r = results.requests;
  const n = workload.inputLength.length;
  const goodputOn = slaIsSet(sla);

  let numRequests = 0;
  let completed = 0;
  let totalIn = 0;
  let totalOut = 0;
  let totalReused = 0;
  let totalFirstReused = 0;
  let durationMs = 0;
  let goodRequests = 0;
  let goodOutputTokens = 0;

  for (let i = 0; i < n; i++) {
    const arrival = r.arrivalMs[i];
    if (!finite(arrival)) continue; // never arrived (e.g. cut off by --max-sim-time-seconds)
    numRequests++;
    if (r.status[i] !== RequestStatus.Completed) continue;
    completed++;
    const outTokens = r.outputTokens[i];
    totalIn += workload.inputLength[i];
    totalOut += outTokens;
    totalReused += r.reusedTokens[i];
    totalFirstReused += r.firstAdmitReusedTokens[i];
    const terminal = completedTerminalMs(r, i);
    durationMs = Math.max(durationMs, terminal);

    if (!goodputOn) continue;
    const first = r.firstTokenMs[i];
    const last = r.lastTokenMs[i];
    if (!finite(first) || !finite(last)) {
      if (meetsSlaWithoutTokens(sla, Math.max(terminal - arrival, 0))) goodRequests++;
      continue;
    }
    const ttft = Math.max(first - arrival, 0);
    const e2e = Math.max(last - arrival, 0);
    if (meetsSla(sla, ttft, e2e, outTokens)) {
      goodRequests++;
      goodOutputTokens += outTokens;
    }
  }

  const durationS = Math.max(durationMs / 1000, 1e-9);
  const prefillWorkerSeconds = results.prefillWorkerSeconds;
  const decodeWorkerSeconds = results.decodeWorkerSeconds;
  const prefillGpus = input.prefillGpusPerWorker;
  const decodeGpus = input.decodeGpusPerWorker;
  const processed = totalIn + totalOut;

  const report: Record<string, number> = {
    num_requests: numRequests,
    completed_requests: completed,
    total_input_tokens: totalIn,
    total_output_tokens: totalOut,
    duration_ms: durationMs,
    wall_time_ms: wallTimeMs,
    request_throughput_rps: completed / durationS,
    input_throughput_tok_s: totalIn / durationS,
    output_throughput_tok_s: totalOut / durationS,
    total_throughput_tok_s: (totalIn + totalOut) / durationS,
    prefill_worker_seconds: prefillWorkerSeconds,
    decode_worker_seconds: decodeWorkerSeconds,
    prefill_gpus_per_worker: prefillGpus,
    decode_gpus_per_worker: decodeGpus,
    gpu_hours: (prefillWorkerSeconds * prefillGpus + decodeWorkerSeconds * decodeGpus) / 3600,
  };
  if (goodputOn) {
    report.goodput_completed_requests = goodRequests;
    report.goodput_request_throughput_rps = goodRequests / durationS;
    report.goodput_output_throughput_tok_s = goodOutputTokens / durationS;
  }
  report.processed_tokens = processed;
  report.processed_tokens_per_s = wallTimeMs <= 0 ? 0 : (processed / wallTimeMs) * 1000;
  report.processed_output_tokens_per_s = wallTimeMs <= 0 ? 0 : (totalOut / wallTimeMs) * 1000;
  report.prefix_cache_reused_ratio = totalIn === 0 ? 0 : totalReused / totalIn;
  report.first_admission_prefix_cache_reused_ratio = totalIn === 0 ? 0 : totalFirstReused / totalIn;
  putDistribution(report, results.ttft, "ttft", "_ms");
  putDistribution(report, results.ttst, "ttst", "_ms");
  putDistribution(report, results.tpot, "tpot", "_ms");
  putDistribution(report, results.itl, "itl", "_ms");
  // `max_itl_ms` is both the ITL distribution's max and the reference's separate "largest gap"
  // entry: the same key, so it appears once (hence 74 keys, not 75).
  putDistribution(report, results.e2eLatency, "e2e_latency", "_ms");
  putDistribution(report, results.outputTokenThroughputPerUser, "output_token_throughput_per_user", "");
  return report as FlatReport;
}

/** The report file contents: `json.dumps(report, indent=2, sort_keys=True) + "\n"` with int keys as ints. */
/** The report file's text. Sections added beside the flat keys (the planner's) name their ints. */
export function formatReportJson(report: FlatReport, extraIntKeys?: ReadonlySet<string>): string {
  const intKeys = extraIntKeys ? new Set([...FLAT_REPORT_INT_KEYS, ...extraIntKeys]) : FLAT_REPORT_INT_KEYS;
  return pyJsonDumpsFile(report, { intKeys });
}
