import { describe, expect, it } from "vitest";
import { pyFloatRepr, pyIntRepr, pyJsonDumps, pyJsonDumpsCompact, pyJsonDumpsFile } from "../../src/report/pyjson.js";

describe("pyFloatRepr (Python repr(float))", () => {
  const cases: [number, string][] = [
    [1, "1.0"],
    [0, "0.0"],
    [-0, "-0.0"],
    [0.1, "0.1"],
    [0.1 + 0.2, "0.30000000000000004"],
    [123.456, "123.456"],
    [-1234.5, "-1234.5"],
    [0.0001, "0.0001"],
    [0.00012345, "0.00012345"],
    [1e-5, "1e-05"],
    [2.5e-5, "2.5e-05"],
    [1e-7, "1e-07"],
    [1.43495e-7, "1.43495e-07"],
    [1e15, "1000000000000000.0"],
    [9999999999999998, "9999999999999998.0"],
    [1e16, "1e+16"],
    [1.5e16, "1.5e+16"],
    [123456789012345680, "1.2345678901234568e+17"],
    [1e22, "1e+22"],
    [1e100, "1e+100"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [1.0000000000000002e-4, "0.00010000000000000002"],
    [9.999999999999999e-5, "9.999999999999999e-05"],
    [-0.00015, "-0.00015"],
    [0.5, "0.5"],
    [-7, "-7.0"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
  ];
  for (const [value, expected] of cases) {
    it(`${String(value)} -> ${expected}`, () => expect(pyFloatRepr(value)).toBe(expected));
  }

  it("prints 100,000 random doubles as Python would: round trip, shortest digits, its positional/exponent rule", () => {
    let seed = 12345;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let k = 0; k < 100_000; k++) {
      const x = (next() < 0.5 ? -1 : 1) * next() * 10 ** Math.floor(next() * 44 - 22);
      const s = pyFloatRepr(x);
      expect(Number(s)).toBe(x);
      // Shortest round-trip digits (toExponential's), and where Python's decimal point goes.
      const [mant, exp] = Math.abs(x).toExponential().split("e");
      const digits = mant!.replace(".", "");
      const decpt = Number(exp) + 1;
      const positional = decpt > -4 && decpt <= 16;
      expect(s.includes("e")).toBe(!positional);
      if (positional) {
        expect(s).toContain(".");
        expect(s.replace(/[-.]/g, "").replace(/^0+/, "").replace(/0+$/, "") || "0").toBe(digits.replace(/0+$/, ""));
      }
    }
  });
});

describe("pyIntRepr", () => {
  it("prints integers without a fraction", () => {
    expect(pyIntRepr(21)).toBe("21");
    expect(pyIntRepr(-0)).toBe("0");
    expect(pyIntRepr(2n ** 70n)).toBe("1180591620717411303424");
    expect(pyIntRepr(1e20)).toBe("100000000000000000000");
  });
  it("rejects non-integers", () => {
    expect(() => pyIntRepr(1.5)).toThrow(TypeError);
    expect(() => pyIntRepr(NaN)).toThrow(TypeError);
  });
});

describe("pyJsonDumps (indent=2, sort_keys=True)", () => {
  it("sorts nested keys, indents by two spaces, keeps empty containers inline", () => {
    const value = { b: 1, a: { d: [1n, 2.5, []], c: "x", B: null, t: true }, e: [], f: {} };
    const expected = [
      "{",
      '  "a": {',
      '    "B": null,',
      '    "c": "x",',
      '    "d": [',
      "      1,",
      "      2.5,",
      "      []",
      "    ],",
      '    "t": true',
      "  },",
      '  "b": 1,',
      '  "e": [],',
      '  "f": {}',
      "}",
    ].join("\n");
    expect(pyJsonDumps(value, { intKeys: new Set(["b"]) })).toBe(expected);
  });

  it("prints numbers as floats unless the key is an int key", () => {
    expect(pyJsonDumps({ n: 2, x: 2, y: 1e16, z: NaN }, { intKeys: new Set(["n"]) })).toBe(
      '{\n  "n": 2,\n  "x": 2.0,\n  "y": 1e+16,\n  "z": NaN\n}',
    );
  });

  it("file variant appends one newline; scalars and undefined entries", () => {
    expect(pyJsonDumpsFile({ a: 1 })).toBe('{\n  "a": 1.0\n}\n');
    expect(pyJsonDumps({ a: undefined, b: "q" })).toBe('{\n  "b": "q"\n}');
    expect(pyJsonDumps({})).toBe("{}");
    expect(pyJsonDumps(0.5)).toBe("0.5");
  });
});

describe("pyJsonDumpsCompact (sort_keys, separators=(',', ':'))", () => {
  it("escapes like ensure_ascii=True", () => {
    expect(pyJsonDumpsCompact({ s: 'é\n"\\\u0001\u007f😀\t/' })).toBe(
      '{"s":"\\u00e9\\n\\"\\\\\\u0001\\u007f\\ud83d\\ude00\\t/"}',
    );
  });
  it("sorts keys by code point (astral after BMP)", () => {
    expect(pyJsonDumpsCompact({ "😀": 1n, "\uffff": 2n, a: 3n })).toBe('{"a":3,"\\uffff":2,"\\ud83d\\ude00":1}');
  });
  it("nests without whitespace", () => {
    expect(pyJsonDumpsCompact({ b: [1, null, { d: 0.1, c: 3 }], a: false }, { intKeys: new Set(["c"]) })).toBe(
      '{"a":false,"b":[1.0,null,{"c":3,"d":0.1}]}',
    );
  });
});
