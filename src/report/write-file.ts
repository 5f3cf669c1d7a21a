// Report output files: path resolution like the reference, and atomic (temp file + rename) writes.

import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import type { FlatReport } from "./summary.js";
import { formatReportJson } from "./summary.js";

/** `datetime.now().strftime("%Y%m%d_%H%M%S")` (local time). */
export function reportTimestamp(now: Date): string {
  const p2 = (n: number): string => String(n).padStart(2, "0");
  return (
    `${String(now.getFullYear()).padStart(4, "0")}${p2(now.getMonth() + 1)}${p2(now.getDate())}` +
    `_${p2(now.getHours())}${p2(now.getMinutes())}${p2(now.getSeconds())}`
  );
}

export function defaultReportFileName(now: Date): string {
  return `dynamo_replay_report_${reportTimestamp(now)}.json`;
}

/**
 * `str(pathlib.PurePosixPath(p))`: repeated slashes collapsed, `.` components and trailing slashes
 * dropped, `..` kept, exactly two leading slashes preserved, empty → ".".
 */
export function pythonPathStr(p: string): string {
  let root = "";
  if (p.startsWith("/")) root = p.startsWith("//") && !p.startsWith("///") ? "//" : "/";
  const parts = p.split("/").filter((part) => part !== "" && part !== ".");
  const s = root + parts.join("/");
  return s === "" ? "." : s;
}

/** `str(Path(base) / name)` for a plain file name. */
function pythonPathJoin(base: string, name: string): string {
  const b = pythonPathStr(base);
  if (b === ".") return name;
  return b.endsWith("/") ? b + name : `${b}/${name}`;
}

/**
 * The `--report-json` destination, spelled as the reference prints it:
 * no argument → `<cwd>/dynamo_replay_report_<YYYYMMDD_HHMMSS>.json` (absolute, like `Path.cwd() / …`);
 * an existing directory → `<dir>/dynamo_replay_report_<ts>.json`; anything else → the argument
 * normalized like `pathlib` (e.g. `./out//r.json` → `out/r.json`). Relative results are relative to `cwd`.
 */
export function resolveReportJsonPath(arg: string | undefined, now: Date, cwd: string = process.cwd()): string {
  if (arg === undefined) return pythonPathJoin(cwd, defaultReportFileName(now));
  const p = pythonPathStr(arg);
  let isDir = false;
  try {
    isDir = fs.statSync(path.resolve(cwd, p)).isDirectory();
  } catch {
    isDir = false;
  }
  return isDir ? pythonPathJoin(p, defaultReportFileName(now)) : p;
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir loops forever under /proc (seen with
 * DYNOSIM_CACHE_DIR=/proc/x/y); here the first level that cannot be made throws.
 */
export function makeDirsSync(dir: string): void {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  for (let d = absolute; ; d = path.dirname(d)) {
    if (fs.existsSync(d)) break;
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    }
  }
}

/** Short, so that a destination with a name near NAME_MAX still gets a staging file beside it. */
export function shortTempName(kind = "tmp"): string {
  return `.dynosim-${process.pid}-${randomBytes(4).toString("hex")}.${kind}`;
}

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), shortTempName());
}

function removeQuietly(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // already gone
  }
}

/** Write `data` to `target` atomically: parent dirs created, temp file in the same dir, then rename. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  makeDirsSync(path.dirname(path.resolve(target)));
  const tmp = tempPathFor(target);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

const FLUSH_BYTES = 1 << 20;

/**
 * Stream `lines` (each already newline-terminated) into `target` atomically. If the iterable throws,
 * the temp file is removed and `target` is left untouched.
 */
export function writeLinesAtomicSync(target: string, lines: Iterable<string>): void {
  makeDirsSync(path.dirname(path.resolve(target)));
  const tmp = tempPathFor(target);
  const fd = fs.openSync(tmp, "w");
  let closed = false;
  try {
    let buf: string[] = [];
    let pending = 0;
    for (const line of lines) {
      buf.push(line);
      pending += line.length;
      if (pending >= FLUSH_BYTES) {
        fs.writeSync(fd, buf.join(""));
        buf = [];
        pending = 0;
      }
    }
    if (buf.length > 0) fs.writeSync(fd, buf.join(""));
    fs.closeSync(fd);
    closed = true;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (!closed) {
      try {
        fs.closeSync(fd);
      } catch {
        // ignore
      }
    }
    removeQuietly(tmp);
    throw err;
  }
}

/** Async variant of writeLinesAtomicSync; accepts sync or async iterables. */
export async function writeLinesAtomic(
  target: string,
  lines: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  makeDirsSync(path.dirname(path.resolve(target)));
  const tmp = tempPathFor(target);
  const handle = await fsp.open(tmp, "w");
  let closed = false;
  try {
    let buf: string[] = [];
    let pending = 0;
    for await (const line of lines) {
      buf.push(line);
      pending += line.length;
      if (pending >= FLUSH_BYTES) {
        await handle.write(buf.join(""));
        buf = [];
        pending = 0;
      }
    }
    if (buf.length > 0) await handle.write(buf.join(""));
    await handle.close();
    closed = true;
    await fsp.rename(tmp, target);
  } catch (err) {
    if (!closed) await handle.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Resolve the `--report-json` destination (see resolveReportJsonPath), write the report there
 * atomically, and return the path as the reference prints it in `Saved full report to: …`.
 */
export function writeReportJson(
  report: FlatReport,
  arg: string | undefined,
  now: Date,
  cwd: string = process.cwd(),
  extraIntKeys?: ReadonlySet<string>,
): string {
  const shown = resolveReportJsonPath(arg, now, cwd);
  writeFileAtomicSync(path.resolve(cwd, shown), formatReportJson(report, extraIntKeys));
  return shown;
}
