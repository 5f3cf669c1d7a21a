import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  pythonPathStr,
  reportTimestamp,
  resolveReportJsonPath,
  writeFileAtomicSync,
  writeLinesAtomic,
  writeLinesAtomicSync,
  writeReportJson,
} from "../../src/report/write-file.js";
import { buildFlatReport, formatReportJson } from "../../src/report/summary.js";
import { parityRun } from "./fixtures.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynosim-report-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const NOW = new Date(2024, 0, 2, 3, 4, 5); // local time

describe("report path resolution", () => {
  it("formats the local timestamp", () => {
    expect(reportTimestamp(NOW)).toBe("20240102_030405");
    expect(reportTimestamp(new Date(2025, 11, 31, 23, 59, 58))).toBe("20251231_235958");
  });

  it("defaults to <cwd>/dynamo_replay_report_<ts>.json", () => {
    expect(resolveReportJsonPath(undefined, NOW, dir)).toBe(`${dir}/dynamo_replay_report_20240102_030405.json`);
  });

  it("an existing directory gets a timestamped file inside it", () => {
    fs.mkdirSync(path.join(dir, "out"));
    expect(resolveReportJsonPath("out", NOW, dir)).toBe("out/dynamo_replay_report_20240102_030405.json");
    expect(resolveReportJsonPath("./out/", NOW, dir)).toBe("out/dynamo_replay_report_20240102_030405.json");
    expect(resolveReportJsonPath(".", NOW, dir)).toBe("dynamo_replay_report_20240102_030405.json");
    expect(resolveReportJsonPath(dir, NOW)).toBe(`${dir}/dynamo_replay_report_20240102_030405.json`);
  });

  it("a file path is normalized like pathlib", () => {
    expect(resolveReportJsonPath("./a//b/./r.json", NOW, dir)).toBe("a/b/r.json");
    expect(pythonPathStr("")).toBe(".");
    expect(pythonPathStr("//x/y/")).toBe("//x/y");
    expect(pythonPathStr("///x")).toBe("/x");
    expect(pythonPathStr("../r.json")).toBe("../r.json");
  });
});

describe("atomic writes", () => {
  it("writes, creating parent directories, and leaves no temp file", () => {
    const target = path.join(dir, "x", "y", "r.json");
    writeFileAtomicSync(target, "hello\n");
    expect(fs.readFileSync(target, "utf8")).toBe("hello\n");
    expect(fs.readdirSync(path.dirname(target))).toEqual(["r.json"]);
  });

  it("streams lines", async () => {
    const target = path.join(dir, "lines.jsonl");
    writeLinesAtomicSync(target, (function* () {
      for (let i = 0; i < 5000; i++) yield `${"x".repeat(300)}${i}\n`;
    })());
    const text = fs.readFileSync(target, "utf8");
    expect(text.split("\n")).toHaveLength(5001);
    expect(text.endsWith("4999\n")).toBe(true);
    const target2 = path.join(dir, "sub", "lines2.jsonl");
    await writeLinesAtomic(target2, ["a\n", "b\n"]);
    expect(fs.readFileSync(target2, "utf8")).toBe("a\nb\n");
  });

  it("leaves no partial file (and keeps a previous one) when the line source throws", async () => {
    const target = path.join(dir, "out.jsonl");
    function* failing(): Generator<string> {
      yield "first\n";
      yield "x".repeat(2 << 20) + "\n"; // forces a flush to the temp file
      throw new Error("boom");
    }
    expect(() => writeLinesAtomicSync(target, failing())).toThrow("boom");
    expect(fs.readdirSync(dir)).toEqual([]);

    fs.writeFileSync(target, "old\n");
    await expect(writeLinesAtomic(target, failing())).rejects.toThrow("boom");
    expect(fs.readdirSync(dir)).toEqual(["out.jsonl"]);
    expect(fs.readFileSync(target, "utf8")).toBe("old\n");
  });

  it("writeReportJson writes the Python-formatted report and returns the printed path", () => {
    const { results, workload } = parityRun();
    const report = buildFlatReport({ results, workload, wallTimeMs: 2, prefillGpusPerWorker: 0, decodeGpusPerWorker: 1 });
    const shown = writeReportJson(report, "./reports//r.json", NOW, dir);
    expect(shown).toBe("reports/r.json");
    expect(fs.readFileSync(path.join(dir, "reports", "r.json"), "utf8")).toBe(formatReportJson(report));
    const dflt = writeReportJson(report, undefined, NOW, dir);
    expect(dflt).toBe(path.join(dir, "dynamo_replay_report_20240102_030405.json"));
    expect(fs.existsSync(dflt)).toBe(true);
  });
});
