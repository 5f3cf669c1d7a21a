// Number formatting for user-facing messages, matching how the reference (Rust `{}` on f64) prints
// the values users most often get wrong: infinities and NaN.

export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

/** How a JSON value is shown in a "got X" clause: short, single-line. */
export function formatJsonValue(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
