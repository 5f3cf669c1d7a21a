// Plain aligned text tables for the terminal (sweep summaries, `dynosim compare`): a header row,
// a rule, and rows; numbers right-aligned, text left-aligned.

export type Cell = string | number | null;

export function formatCell(v: Cell, digits = 2): string {
  if (v === null) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return v;
}

const NUMERIC = /^[-+]?[\d,]*\.?\d+(e[-+]?\d+)?( \([-+][\d.]+%\))?$|^-$/;

/** Columns whose cells all read as numbers are right-aligned. */
function numericColumns(rows: readonly (readonly string[])[], count: number): (col: number) => boolean {
  const numeric = Array.from({ length: count }, (_, c) => rows.length > 0 && rows.every((r) => NUMERIC.test(r[c] ?? '')));
  return (c) => numeric[c]!;
}

export function textTable(header: readonly string[], rows: readonly (readonly string[])[], rightAlign = numericColumns(rows, header.length)): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (rightAlign(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
