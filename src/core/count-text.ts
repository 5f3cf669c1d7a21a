// Whole numbers as the messages print them, with en-US thousands separators ("12,031"), without
// toLocaleString: its first call loads ICU's number formats, ~12 ms of every run's start.

/** `x.toLocaleString('en-US')`, computed by hand for safe integers. */
export function countText(x: number): string {
  if (!Number.isSafeInteger(x) || Object.is(x, -0)) return x.toLocaleString('en-US');
  const digits = String(Math.abs(x));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return x < 0 ? `-${out}` : out;
}
