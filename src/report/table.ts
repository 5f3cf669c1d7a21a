// The AIPerf-style summary table printed on stdout, and the full non-planner stdout of a run.

export const TABLE_TITLE = "NVIDIA AIPerf | LLM Metrics";
export const STAT_COLUMNS = ["avg", "min", "max", "p99", "p90", "p75", "std"] as const;

/** Report-like input: any key → value map (a FlatReport qualifies). */
export type ReportLike = { readonly [key: string]: unknown };

/**
 * Python `f"{v:,.2f}"` for a float: exact decimal rounding of the binary value with ties to even
 * (Python rounds the exact value, so 0.125 → "0.12", 2.675 → "2.67", 0.375 → "0.38"), thousands
 * separators in the integer part, a "-" for any negative value including -0.0 and values that round
 * to zero, and "nan" / "inf" / "-inf" for non-finite values.
 */
export function formatFixed2Grouped(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  const negative = value < 0 || Object.is(value, -0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biasedExp = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biasedExp === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biasedExp === 0 ? 1 : biasedExp) - 1075; // |value| = mantissa × 2^exp2
  // hundredths = round_half_even(|value| × 100)
  let hundredths: bigint;
  if (exp2 >= 0) {
    hundredths = (mantissa * 100n) << BigInt(exp2);
  } else {
    const den = 1n << BigInt(-exp2);
    const num = mantissa * 100n;
    hundredths = num / den;
    const twiceRem = (num % den) * 2n;
    if (twiceRem > den || (twiceRem === den && (hundredths & 1n) === 1n)) hundredths += 1n;
  }
  const intDigits = (hundredths / 100n).toString();
  const cents = (hundredths % 100n).toString().padStart(2, "0");
  let grouped = "";
  for (let end = intDigits.length; end > 0; end -= 3) {
    const chunk = intDigits.slice(Math.max(0, end - 3), end);
    grouped = grouped === "" ? chunk : `${chunk},${grouped}`;
  }
  return `${negative ? "-" : ""}${grouped}.${cents}`;
}

/** The reference's cell formatter: None → "N/A", numbers → `f"{v:,.2f}"`, anything else → str(v). */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "N/A";
  if (typeof value === "number") return formatFixed2Grouped(value);
  if (typeof value === "bigint") return formatFixed2Grouped(Number(value));
  if (typeof value === "boolean") return formatFixed2Grouped(value ? 1 : 0); // Python bool is an int
  return String(value);
}

function isNumeric(value: unknown): boolean {
  return typeof value === "number" || typeof value === "bigint" || typeof value === "boolean";
}

function statRow(report: ReportLike, label: string, suffix: string): string[] | undefined {
  if (!Object.prototype.hasOwnProperty.call(report, `mean_${suffix}`)) return undefined;
  return [
    label,
    formatCell(report[`mean_${suffix}`]),
    formatCell(report[`min_${suffix}`]),
    formatCell(report[`max_${suffix}`]),
    formatCell(report[`p99_${suffix}`]),
    formatCell(report[`p90_${suffix}`]),
    formatCell(report[`p75_${suffix}`]),
    formatCell(report[`std_${suffix}`]),
  ];
}

function buildRows(report: ReportLike): string[][] {
  const rows: string[][] = [];
  const stats: [string, string][] = [
    ["Time to First Token (ms)", "ttft_ms"],
    ["Time to Second Token (ms)", "ttst_ms"],
    ["Request Latency (ms)", "e2e_latency_ms"],
    ["Inter Token Latency (ms)", "itl_ms"],
    ["Token Gap (ms)", "token_gap_ms"],
    ["Output Token Throughput Per User (tokens/sec/user)", "output_token_throughput_per_user"],
  ];
  for (const [label, suffix] of stats) {
    const row = statRow(report, label, suffix);
    if (row) rows.push(row);
  }
  const na = Array<string>(STAT_COLUMNS.length - 1).fill("N/A");
  rows.push(["Output Token Throughput (tokens/sec)", formatCell(report.output_throughput_tok_s), ...na]);
  rows.push(["Request Throughput (requests/sec)", formatCell(report.request_throughput_rps), ...na]);
  // dict.get("completed_requests", fallback): the fallback applies only when the key is absent.
  const count = Object.prototype.hasOwnProperty.call(report, "completed_requests")
    ? report.completed_requests
    : report.num_requests;
  rows.push(["Request Count (requests)", formatCell(count), ...na]);
  return rows;
}

const cpLen = (s: string): number => [...s].length;

function renderTable(rows: string[][]): string {
  const headers = ["Metric", ...STAT_COLUMNS];
  const widths = headers.map(cpLen);
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i], cpLen(cell));
    });
  }
  const separator = (left: string, mid: string, right: string): string =>
    left + widths.map((w) => "━".repeat(w + 2)).join(mid) + right;
  const renderRow = (row: string[]): string =>
    "┃" +
    row
      .map((cell, i) => {
        const pad = " ".repeat(widths[i] - cpLen(cell));
        return i === 0 ? ` ${cell}${pad} ` : ` ${pad}${cell} `;
      })
      .join("┃") +
    "┃";
  return [
    separator("┏", "┳", "┓"),
    renderRow(headers),
    separator("┡", "╇", "┩"),
    ...rows.map(renderRow),
    separator("└", "┴", "┘"),
  ].join("\n");
}

/** The summary table exactly as the reference prints it (no trailing newline). */
export function formatReportTable(report: ReportLike): string {
  const lines = [TABLE_TITLE, renderTable(buildRows(report))];
  const trailers: [string, string][] = [
    ["Wall Time (ms)", "wall_time_ms"],
    ["Prefix Cache Reused Ratio", "prefix_cache_reused_ratio"],
    ["First Admission Prefix Cache Reused Ratio", "first_admission_prefix_cache_reused_ratio"],
  ];
  for (const [label, key] of trailers) {
    const v = report[key];
    if (isNumeric(v)) lines.push(`${label}: ${formatCell(v)}`);
  }
  return lines.join("\n");
}

/** Everything the reference writes to stdout for a non-planner run (with dynosim's extra lines under the table). */
export function renderRunOutput(report: ReportLike, reportPath: string, extraLines: readonly string[] = []): string {
  const extra = extraLines.map((line) => `${line}\n`).join('');
  return `${formatReportTable(report)}\n${extra}Saved full report to: ${reportPath}\n`;
}
