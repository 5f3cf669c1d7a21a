// Serialization that reproduces Python's `json.dumps(obj, indent=2, sort_keys=True)` byte for byte
// (and the compact `separators=(",", ":")` variant), including Python's float `repr`.
//
// JS has a single number type, Python has int and float. Every JS `number` is printed as a Python
// float (`1.0`, `1e-05`, `NaN`) unless it is declared an int: either it is a `bigint`, or it sits
// under a key listed in `intKeys` (at any depth, including array elements under that key).

/** Python-compatible JSON values accepted by the serializer. `undefined` object entries are skipped. */
export type PyJsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly PyJsonValue[]
  | { readonly [key: string]: PyJsonValue | undefined };

export interface PyJsonOptions {
  /** Keys whose numeric values are Python ints (printed without a fractional part). */
  intKeys?: ReadonlySet<string>;
}

/**
 * Python `repr(float)`: shortest round-trip digits; exponent form when the decimal exponent is
 * < -4 or >= 16 (`1e-05`, `1.5e+16`); otherwise positional with at least one fractional digit.
 */
export function pyFloatRepr(x: number): string {
  // Where both print positionally (1e-4 <= |x| < 1e16) JS and Python give the same shortest digits;
  // Python writes a whole number with ".0".
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e16) return Number.isInteger(x) ? `${x}.0` : `${x}`;
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  // toExponential() without an argument yields the shortest digits that round-trip.
  const exp = Math.abs(x).toExponential();
  const eAt = exp.indexOf("e");
  const digits = exp.slice(0, eAt).replace(".", "");
  const e10 = Number(exp.slice(eAt + 1));
  const decpt = e10 + 1; // value = 0.DIGITS × 10^decpt
  if (decpt <= -4 || decpt > 16) {
    const mant = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const ae = Math.abs(e10);
    return `${sign}${mant}e${e10 < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** Python `str(int)` for a JS integer-valued number or bigint. */
export function pyIntRepr(x: number | bigint): string {
  if (typeof x === "bigint") return x.toString();
  if (!Number.isInteger(x)) {
    throw new TypeError(`pyjson: value ${x} declared as a Python int is not an integer`);
  }
  // BigInt gives the exact decimal expansion for integers beyond 2^53, like Python's int(x).
  return Number.isSafeInteger(x) ? String(x === 0 ? 0 : x) : BigInt(x).toString();
}

/** Python `json` string encoding with `ensure_ascii=True`. */
export function pyJsonString(s: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    if (i > runStart) out += s.slice(runStart, i);
    runStart = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += "\\\\";
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x08:
        out += "\\b";
        break;
      case 0x0c:
        out += "\\f";
        break;
      default:
        // UTF-16 code units, so astral characters come out as surrogate pairs like Python.
        out += "\\u" + c.toString(16).padStart(4, "0");
    }
  }
  if (runStart < s.length) out += s.slice(runStart);
  return out + '"';
}

/** Python's `sorted()` order for str keys: by code point (differs from UTF-16 order only for astral chars). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1; // a surrogate (astral) sorts after any BMP char
    return ca - cb;
  }
  return a.length - b.length;
}

function sortedEntries(obj: { readonly [key: string]: PyJsonValue | undefined }): [string, PyJsonValue][] {
  const entries: [string, PyJsonValue][] = [];
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v !== undefined) entries.push([key, v]);
  }
  entries.sort((x, y) => compareCodePoints(x[0], y[0]));
  return entries;
}

function scalar(value: PyJsonValue, asInt: boolean): string | undefined {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "number":
      return asInt ? pyIntRepr(value) : pyFloatRepr(value);
    case "string":
      return pyJsonString(value);
    default:
      return undefined;
  }
}

// One encoder for both layouts: `indent` null is the compact one (no whitespace), a string the
// current indentation of the pretty one (two spaces a level, Python's `indent=2`).
function encode(
  value: PyJsonValue,
  asInt: boolean,
  intKeys: ReadonlySet<string> | undefined,
  indent: string | null,
  out: string[],
): void {
  const s = scalar(value, asInt);
  if (s !== undefined) {
    out.push(s);
    return;
  }
  const inner = indent === null ? null : indent + "  ";
  const arr = Array.isArray(value) ? (value as readonly PyJsonValue[]) : null;
  const entries = arr === null ? sortedEntries(value as { readonly [key: string]: PyJsonValue | undefined }) : null;
  const n = arr !== null ? arr.length : entries!.length;
  out.push(arr !== null ? "[" : "{");
  for (let i = 0; i < n; i++) {
    if (i > 0) out.push(",");
    if (inner !== null) out.push("\n", inner);
    if (arr !== null) {
      encode(arr[i] === undefined ? null : arr[i], asInt, intKeys, inner, out);
    } else {
      const [k, v] = entries![i];
      out.push(pyJsonString(k), inner === null ? ":" : ": ");
      encode(v, intKeys?.has(k) ?? false, intKeys, inner, out);
    }
  }
  if (n > 0 && indent !== null) out.push("\n", indent);
  out.push(arr !== null ? "]" : "}");
}

/** `json.dumps(value, indent=2, sort_keys=True)` (no trailing newline). */
export function pyJsonDumps(value: PyJsonValue, options: PyJsonOptions = {}): string {
  const out: string[] = [];
  encode(value, false, options.intKeys, "", out);
  return out.join("");
}

/** `json.dumps(value, indent=2, sort_keys=True) + "\n"`: the report file contents. */
export function pyJsonDumpsFile(value: PyJsonValue, options: PyJsonOptions = {}): string {
  return pyJsonDumps(value, options) + "\n";
}

/** `json.dumps(value, sort_keys=True, separators=(",", ":"))`: one JSONL record (no newline). */
export function pyJsonDumpsCompact(value: PyJsonValue, options: PyJsonOptions = {}): string {
  const out: string[] = [];
  encode(value, false, options.intKeys, null, out);
  return out.join("");
}
