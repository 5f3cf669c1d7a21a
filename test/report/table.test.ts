import { describe, expect, it } from "vitest";
import { formatFixed2Grouped, formatReportTable, renderRunOutput } from "../../src/report/table.js";

describe('formatFixed2Grouped (Python f"{v:,.2f}")', () => {
  const cases: [number, string][] = [
    [10944.034, "10,944.03"],
    [0.125, "0.12"], // exact tie → even
    [0.375, "0.38"], // exact tie → even
    [2.675, "2.67"], // binary value is below the tie
    [0.005, "0.01"],
    [0.015, "0.01"],
    [0.025, "0.03"],
    [1.005, "1.00"],
    [999.995, "1,000.00"],
    [1234567.891, "1,234,567.89"],
    [-1234.5678, "-1,234.57"],
    [-0.001, "-0.00"],
    [-0, "-0.00"],
    [0, "0.00"],
    [2, "2.00"],
    [0.25, "0.25"],
    [1e20, "100,000,000,000,000,000,000.00"],
    [5e-324, "0.00"],
    [NaN, "nan"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
  ];
  for (const [value, expected] of cases) {
    it(`${String(value)} -> ${expected}`, () => expect(formatFixed2Grouped(value)).toBe(expected));
  }
});

describe("formatReportTable", () => {
  // Hand-made report: one stat row (with a null and a missing cell), the three fixed rows,
  // two trailers (no first-admission key → no third trailer).
  const report = {
    mean_ttft_ms: 10944.034,
    min_ttft_ms: 0.125,
    max_ttft_ms: 123456.789,
    p99_ttft_ms: 2.675,
    p90_ttft_ms: -0.001,
    p75_ttft_ms: null,
    // std_ttft_ms absent
    min_ttst_ms: 1, // no mean_ttst_ms → no TTST row
    output_throughput_tok_s: 9679.005462830683,
    request_throughput_rps: 3871.602185132273,
    completed_requests: 2,
    num_requests: 7,
    wall_time_ms: 12.5,
    prefix_cache_reused_ratio: 0.25,
  };
  // Column widths: Metric 36 ("Output Token Throughput (tokens/sec)"), avg 9, min 4, max 10,
  // p99 4, p90 5, p75 3, std 3; each cell has one space of padding either side.
  const expected = [
    "NVIDIA AIPerf | LLM Metrics",
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━┳━━━━━━━━━━━━┳━━━━━━┳━━━━━━━┳━━━━━┳━━━━━┓",
    "┃ Metric                               ┃       avg ┃  min ┃        max ┃  p99 ┃   p90 ┃ p75 ┃ std ┃",
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━╇━━━━━━━━━━━━╇━━━━━━╇━━━━━━━╇━━━━━╇━━━━━┩",
    "┃ Time to First Token (ms)             ┃ 10,944.03 ┃ 0.12 ┃ 123,456.79 ┃ 2.67 ┃ -0.00 ┃ N/A ┃ N/A ┃",
    "┃ Output Token Throughput (tokens/sec) ┃  9,679.01 ┃  N/A ┃        N/A ┃  N/A ┃   N/A ┃ N/A ┃ N/A ┃",
    "┃ Request Throughput (requests/sec)    ┃  3,871.60 ┃  N/A ┃        N/A ┃  N/A ┃   N/A ┃ N/A ┃ N/A ┃",
    "┃ Request Count (requests)             ┃      2.00 ┃  N/A ┃        N/A ┃  N/A ┃   N/A ┃ N/A ┃ N/A ┃",
    "└━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┴━━━━━━━━━━━┴━━━━━━┴━━━━━━━━━━━━┴━━━━━━┴━━━━━━━┴━━━━━┴━━━━━┘",
    "Wall Time (ms): 12.50",
    "Prefix Cache Reused Ratio: 0.25",
  ].join("\n");

  it("renders the hand-derived table exactly", () => {
    expect(formatReportTable(report)).toBe(expected);
  });

  it("separator widths match the header row", () => {
    const lines = formatReportTable(report).split("\n");
    const lens = lines.slice(1, 9).map((l) => [...l].length);
    expect(new Set(lens).size).toBe(1);
  });

  it("falls back to num_requests only when completed_requests is absent; N/A when both missing", () => {
    const { completed_requests: _c, ...rest } = report;
    expect(formatReportTable(rest)).toContain("┃ Request Count (requests)             ┃      7.00 ┃");
    const bare = formatReportTable({});
    expect(bare).toBe(
      [
        "NVIDIA AIPerf | LLM Metrics",
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━┳━━━━━┳━━━━━┳━━━━━┳━━━━━┳━━━━━┳━━━━━┓",
        "┃ Metric                               ┃ avg ┃ min ┃ max ┃ p99 ┃ p90 ┃ p75 ┃ std ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━╇━━━━━╇━━━━━╇━━━━━╇━━━━━╇━━━━━╇━━━━━┩",
        "┃ Output Token Throughput (tokens/sec) ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃",
        "┃ Request Throughput (requests/sec)    ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃",
        "┃ Request Count (requests)             ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃ N/A ┃",
        "└━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┴━━━━━┴━━━━━┴━━━━━┴━━━━━┴━━━━━┴━━━━━┴━━━━━┘",
      ].join("\n"),
    );
  });

  it("orders stat rows TTFT, TTST, latency, ITL, OTPU and prints the first-admission trailer", () => {
    const stat = (suffix: string, v: number): Record<string, number> =>
      Object.fromEntries(["mean", "min", "max", "p99", "p90", "p75", "std"].map((s) => [`${s}_${suffix}`, v]));
    const full = {
      ...stat("output_token_throughput_per_user", 90909090.90913379),
      ...stat("itl_ms", 1.1e-5),
      ...stat("e2e_latency_ms", 0.016618),
      ...stat("ttst_ms", 1.1e-5),
      ...stat("ttft_ms", 0.0166015),
      output_throughput_tok_s: 1,
      request_throughput_rps: 1,
      completed_requests: 2,
      wall_time_ms: 1,
      prefix_cache_reused_ratio: 0.25,
      first_admission_prefix_cache_reused_ratio: 0.125,
    };
    const labels = formatReportTable(full)
      .split("\n")
      .filter((l) => l.startsWith("┃ "))
      .map((l) => l.split("┃")[1].trim());
    expect(labels).toEqual([
      "Metric",
      "Time to First Token (ms)",
      "Time to Second Token (ms)",
      "Request Latency (ms)",
      "Inter Token Latency (ms)",
      "Output Token Throughput Per User (tokens/sec/user)",
      "Output Token Throughput (tokens/sec)",
      "Request Throughput (requests/sec)",
      "Request Count (requests)",
    ]);
    const text = formatReportTable(full);
    expect(text).toContain("┃ 90,909,090.91 ┃");
    expect(text.endsWith("Prefix Cache Reused Ratio: 0.25\nFirst Admission Prefix Cache Reused Ratio: 0.12")).toBe(true);
  });
});

describe("renderRunOutput", () => {
  it("is the table, a newline, then the saved-path line", () => {
    const report = { completed_requests: 1 };
    expect(renderRunOutput(report, "/tmp/r.json")).toBe(
      `${formatReportTable(report)}\nSaved full report to: /tmp/r.json\n`,
    );
  });
});
