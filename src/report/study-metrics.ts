// The metrics studies compare, read from a report JSON (the flat report plus its planner
// section): what a sweep tabulates per point and `dynosim compare` puts side by side. One list,
// so the sweep table, its plot and the comparison name every metric the same way.

export interface MetricDef {
  key: string;
  label: string;
  /** Lower is better (for the comparison's verdict colour); null when neither. */
  lowerIsBetter: boolean | null;
  digits: number;
}

export type ReportLike = Record<string, unknown>;

/** Request outcomes the report JSON does not carry (counted from the per-request statuses). */
export interface RequestOutcomes {
  requests: number;
  completed: number;
  rejected: number;
  incomplete: number;
}

const m = (key: string, label: string, lowerIsBetter: boolean | null, digits = 2): MetricDef => ({ key, label, lowerIsBetter, digits });

export const STUDY_METRICS: readonly MetricDef[] = [
  m('ttft_avg_ms', 'TTFT avg (ms)', true),
  m('ttft_p50_ms', 'TTFT p50 (ms)', true),
  m('ttft_p90_ms', 'TTFT p90 (ms)', true),
  m('ttft_p99_ms', 'TTFT p99 (ms)', true),
  m('itl_avg_ms', 'ITL avg (ms)', true),
  m('itl_p50_ms', 'ITL p50 (ms)', true),
  m('itl_p90_ms', 'ITL p90 (ms)', true),
  m('itl_p99_ms', 'ITL p99 (ms)', true),
  m('e2e_avg_ms', 'E2E avg (ms)', true),
  m('e2e_p50_ms', 'E2E p50 (ms)', true),
  m('e2e_p90_ms', 'E2E p90 (ms)', true),
  m('e2e_p99_ms', 'E2E p99 (ms)', true),
  m('request_throughput_rps', 'Request throughput (req/s)', false, 3),
  m('output_throughput_tok_s', 'Output throughput (tok/s)', false, 1),
  m('gpu_hours', 'GPU-hours (provisioned)', true, 3),
  m('gpu_hours_ready', 'GPU-hours ready', null, 3),
  m('gpu_hours_starting', 'GPU-hours starting', true, 3),
  m('gpu_hours_draining', 'GPU-hours draining', true, 3),
  m('scale_ups', 'Scale-ups', null, 0),
  m('scale_downs', 'Scale-downs', null, 0),
  m('sla_attainment', 'SLA attainment (fraction of requests)', false, 4),
  m('goodput_rps', 'Goodput (req/s)', false, 3),
  m('requests', 'Requests', null, 0),
  m('completed', 'Completed', false, 0),
  m('rejected', 'Rejected', true, 0),
  m('incomplete', 'Incomplete', true, 0),
  m('duration_s', 'Duration (simulated s)', null, 1),
];

export const METRIC_KEYS: ReadonlySet<string> = new Set(STUDY_METRICS.map((d) => d.key));

export function metricDef(key: string): MetricDef | undefined {
  return STUDY_METRICS.find((d) => d.key === key);
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

interface PlannerSectionLike {
  scaling_events?: { from_count: number; to_count: number }[];
  gpu_hours_split?: { ready: number; starting: number; draining: number };
}

/**
 * The study metrics of one run. Without `outcomes`, rejected and incomplete are unknown (null)
 * unless every request completed. SLA attainment is good requests over all requests (a rejected or
 * unfinished request misses its SLA); null without an SLA.
 */
export function studyMetrics(report: ReportLike, outcomes?: RequestOutcomes): Record<string, number | null> {
  const requests = outcomes?.requests ?? num(report.num_requests);
  const completed = num(report.completed_requests);
  const planner = (report.planner ?? null) as PlannerSectionLike | null;
  const events = planner?.scaling_events ?? null;
  const split = planner?.gpu_hours_split ?? null;
  const good = num(report.goodput_completed_requests);
  const allDone = requests !== null && completed !== null && requests === completed;
  return {
    ttft_avg_ms: num(report.mean_ttft_ms),
    ttft_p50_ms: num(report.median_ttft_ms),
    ttft_p90_ms: num(report.p90_ttft_ms),
    ttft_p99_ms: num(report.p99_ttft_ms),
    itl_avg_ms: num(report.mean_itl_ms),
    itl_p50_ms: num(report.median_itl_ms),
    itl_p90_ms: num(report.p90_itl_ms),
    itl_p99_ms: num(report.p99_itl_ms),
    e2e_avg_ms: num(report.mean_e2e_latency_ms),
    e2e_p50_ms: num(report.median_e2e_latency_ms),
    e2e_p90_ms: num(report.p90_e2e_latency_ms),
    e2e_p99_ms: num(report.p99_e2e_latency_ms),
    request_throughput_rps: num(report.request_throughput_rps),
    output_throughput_tok_s: num(report.output_throughput_tok_s),
    gpu_hours: num(report.gpu_hours),
    gpu_hours_ready: split ? split.ready : null,
    gpu_hours_starting: split ? split.starting : null,
    gpu_hours_draining: split ? split.draining : null,
    scale_ups: events ? events.filter((e) => e.to_count > e.from_count).length : null,
    scale_downs: events ? events.filter((e) => e.to_count < e.from_count).length : null,
    sla_attainment: good !== null && requests ? good / requests : null,
    goodput_rps: num(report.goodput_request_throughput_rps),
    requests,
    completed,
    rejected: outcomes?.rejected ?? (allDone ? 0 : null),
    incomplete: outcomes?.incomplete ?? (allDone ? 0 : null),
    duration_s: num(report.duration_ms) === null ? null : (report.duration_ms as number) / 1000,
  };
}
