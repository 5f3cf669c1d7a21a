import { describe, expect, it } from "vitest";
import { buildFlatReport, formatReportJson, FLAT_REPORT_INT_KEYS } from "../../src/report/summary.js";
import { makeRun, parityRun } from "./fixtures.js";

describe("buildFlatReport — parity scenario", () => {
  const { results, workload } = parityRun();
  const report = buildFlatReport({
    results,
    workload,
    wallTimeMs: 2,
    prefillGpusPerWorker: 0,
    decodeGpusPerWorker: 1,
  });

  it("has exactly 74 keys and no goodput keys without an SLA", () => {
    expect(Object.keys(report)).toHaveLength(74);
    expect(Object.keys(report).some((k) => k.startsWith("goodput_"))).toBe(false);
  });

  it("counts and throughputs match the reference fixture", () => {
    expect(report.num_requests).toBe(2);
    expect(report.completed_requests).toBe(2);
    expect(report.total_input_tokens).toBe(16);
    expect(report.total_output_tokens).toBe(5);
    expect(report.duration_ms).toBe(0.516582);
    expect(report.request_throughput_rps).toBe(3871.602185132273);
    expect(report.input_throughput_tok_s).toBe(30972.817481058184);
    expect(report.output_throughput_tok_s).toBe(9679.005462830683);
    expect(report.total_throughput_tok_s).toBe(40651.82294388887);
    expect(report.prefix_cache_reused_ratio).toBe(0.25);
    expect(report.first_admission_prefix_cache_reused_ratio).toBe(0.25);
    expect(report.decode_worker_seconds).toBe(0.0005165819999999999);
    expect(report.prefill_worker_seconds).toBe(0);
    expect(report.gpu_hours).toBe(1.4349499999999998e-7);
    expect(report.processed_tokens).toBe(21);
    expect(report.processed_tokens_per_s).toBe(10500); // 21 tokens / 2 ms
    expect(report.processed_output_tokens_per_s).toBe(2500);
    expect(report.wall_time_ms).toBe(2);
  });

  it("passes the native distributions through under the reference key names", () => {
    expect(report.mean_ttft_ms).toBe(0.016601499999999998);
    expect(report.min_ttft_ms).toBe(0.016571000000000002);
    expect(report.p99_ttft_ms).toBe(0.016631999999999997);
    expect(report.std_e2e_latency_ms).toBe(0.00003600000000000651);
    expect(report.max_itl_ms).toBe(0.000011000000000000593);
    expect(report.mean_tpot_ms).toBe(0.000010999999999991919);
    expect(report.median_output_token_throughput_per_user).toBe(90909090.909086);
    expect(report.p95_ttst_ms).toBe(0.000011000000000000593);
  });

  it("serializes like Python json.dumps(indent=2, sort_keys=True) with ints as ints", () => {
    const text = formatReportJson(report);
    const lines = text.split("\n");
    expect(lines[0]).toBe("{");
    expect(lines[1]).toBe('  "completed_requests": 2,');
    expect(lines[2]).toBe('  "decode_gpus_per_worker": 1,');
    expect(lines[3]).toBe('  "decode_worker_seconds": 0.0005165819999999999,');
    expect(lines[4]).toBe('  "duration_ms": 0.516582,');
    expect(lines[5]).toBe('  "first_admission_prefix_cache_reused_ratio": 0.25,');
    expect(lines[6]).toBe('  "gpu_hours": 1.4349499999999998e-07,');
    expect(text).toContain('\n  "prefill_gpus_per_worker": 0,\n  "prefill_worker_seconds": 0.0,\n');
    expect(text).toContain('\n  "max_itl_ms": 1.1000000000000593e-05,\n');
    expect(text).toContain('\n  "std_itl_ms": 8.17756490847483e-18,\n');
    expect(text).toContain('\n  "processed_tokens": 21,\n');
    expect(text).toContain('\n  "wall_time_ms": 2.0\n}\n');
    expect(text.endsWith("}\n")).toBe(true);
    expect(lines).toHaveLength(74 + 3);
  });

  it("int keys cover the counts only", () => {
    expect([...FLAT_REPORT_INT_KEYS].sort()).toEqual(
      [
        "completed_requests",
        "decode_gpus_per_worker",
        "goodput_completed_requests",
        "num_requests",
        "prefill_gpus_per_worker",
        "processed_tokens",
        "total_input_tokens",
        "total_output_tokens",
      ].sort(),
    );
  });
});

describe("buildFlatReport — counting rules", () => {
  it("num_requests counts every arrival; totals and duration only completed; empty distributions → 0", () => {
    const { results, workload } = makeRun([
      { arrival: 0, admit: 0, first: 5, second: 6, last: 10, out: 4, reused: 2, firstReused: 0, status: 1, isl: 10, osl: 4 },
      { arrival: 1, admit: 2, first: 7, last: 50, out: 3, reused: 5, status: 0, isl: 20, osl: 9 }, // incomplete
      { arrival: 2, status: 2, out: 0, isl: 30, osl: 4 }, // rejected
      { arrival: NaN, status: 0, out: 0, isl: 40, osl: 4 }, // never arrived
    ]);
    results.ttft = { ...results.ttft, count: 0, mean: NaN, min: Infinity, max: -Infinity };
    const r = buildFlatReport({ results, workload, wallTimeMs: 0, prefillGpusPerWorker: 1, decodeGpusPerWorker: 1 });
    expect(r.num_requests).toBe(3);
    expect(r.completed_requests).toBe(1);
    expect(r.total_input_tokens).toBe(10);
    expect(r.total_output_tokens).toBe(4);
    expect(r.duration_ms).toBe(10);
    expect(r.request_throughput_rps).toBe(100);
    expect(r.prefix_cache_reused_ratio).toBe(0.2);
    expect(r.first_admission_prefix_cache_reused_ratio).toBe(0);
    expect(r.processed_tokens_per_s).toBe(0); // wall ≤ 0
    expect(r.mean_ttft_ms).toBe(0);
    expect(r.min_ttft_ms).toBe(0);
    expect(r.max_ttft_ms).toBe(0);
  });

  it("no completed requests: duration_s floors at 1e-9 and ratios are 0", () => {
    const { results, workload } = makeRun([{ arrival: 0, status: 2, out: 0, isl: 8, osl: 1 }]);
    const r = buildFlatReport({ results, workload, wallTimeMs: 1, prefillGpusPerWorker: 0, decodeGpusPerWorker: 1 });
    expect(r.duration_ms).toBe(0);
    expect(r.request_throughput_rps).toBe(0);
    expect(r.prefix_cache_reused_ratio).toBe(0);
    expect(r.gpu_hours).toBe(0);
  });

  it("gpu_hours = (prefill_ws × prefill_gpus + decode_ws × decode_gpus) / 3600", () => {
    const { results, workload } = makeRun([{ arrival: 0, admit: 0, first: 1, last: 1, out: 1, status: 1, isl: 8, osl: 1 }], {
      prefillWs: 3600,
      decodeWs: 7200,
    });
    const r = buildFlatReport({ results, workload, wallTimeMs: 1, prefillGpusPerWorker: 2, decodeGpusPerWorker: 4 });
    expect(r.gpu_hours).toBe(10);
    expect(r.prefill_gpus_per_worker).toBe(2);
  });
});

describe("buildFlatReport — goodput", () => {
  const base = (sla: { ttftMs?: number; itlMs?: number; e2eMs?: number }) => {
    const { results, workload } = parityRun();
    return buildFlatReport({ results, workload, wallTimeMs: 1, sla, prefillGpusPerWorker: 0, decodeGpusPerWorker: 1 });
  };

  it("adds exactly the 3 goodput keys when an SLA is set", () => {
    const r = base({ e2eMs: 1 });
    expect(Object.keys(r)).toHaveLength(77);
    expect(r.goodput_completed_requests).toBe(2);
    expect(r.goodput_request_throughput_rps).toBe(3871.602185132273);
    expect(r.goodput_output_throughput_tok_s).toBe(9679.005462830683);
  });

  it("TTFT bound: request 1 (ttft 0.016632) misses 0.0166, request 2 (0.016571) meets it", () => {
    const r = base({ ttftMs: 0.0166 });
    expect(r.goodput_completed_requests).toBe(1);
    expect(r.goodput_output_throughput_tok_s).toBe(2 / 0.000516582);
  });

  it("ITL bound uses (e2e − ttft)/(n − 1): both ≈ 0.000011 ms", () => {
    expect(base({ ttftMs: 1, itlMs: 0.00001 }).goodput_completed_requests).toBe(0);
    expect(base({ ttftMs: 1, itlMs: 0.00002 }).goodput_completed_requests).toBe(2);
  });

  it("e2e bound: request 1 e2e 0.016654 fails 0.01659, request 2 (0.016582) passes", () => {
    expect(base({ e2eMs: 0.01659 }).goodput_completed_requests).toBe(1);
  });

  it("single-token requests skip the ITL check; zero-token requests count only for e2e-only SLAs", () => {
    const { results, workload } = makeRun([
      { arrival: 0, admit: 0, first: 3, last: 3, out: 1, status: 1, isl: 4, osl: 1 },
      { arrival: 1, admit: 2, out: 0, status: 1, isl: 4, osl: 0 }, // completed, no token; terminal = admit 2
    ]);
    const run = (sla: { ttftMs?: number; itlMs?: number; e2eMs?: number }) =>
      buildFlatReport({ results, workload, wallTimeMs: 1, sla, prefillGpusPerWorker: 0, decodeGpusPerWorker: 1 });
    const itl = run({ ttftMs: 10, itlMs: 0 });
    expect(itl.goodput_completed_requests).toBe(1);
    expect(itl.duration_ms).toBe(3);
    expect(itl.goodput_output_throughput_tok_s).toBe(1 / 0.003);
    const e2e = run({ e2eMs: 3 });
    expect(e2e.goodput_completed_requests).toBe(2);
    expect(e2e.goodput_output_throughput_tok_s).toBe(1 / 0.003);
    expect(run({ e2eMs: 0.5 }).goodput_completed_requests).toBe(0);
    expect(run({ e2eMs: 3, ttftMs: 10 }).goodput_completed_requests).toBe(1);
  });
});
