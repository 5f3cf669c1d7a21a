// The output files of one run, handled as one set. Every destination is checked before the
// simulation starts (writable, not a directory, a legal name, not another output or an input).
// Regular files are staged beside their destination and renamed into place only once every file
// of the set is written, so a failure or a signal leaves the complete set or none of it.
// A destination that is not a regular file (a device, a FIFO, /dev/stdout) is written straight
// and never replaced; a writable file in a directory we cannot create files in is overwritten in
// place, the only write possible there.

import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ReplayError, UsageError } from '../errors.js';
import { makeDirsSync, shortTempName } from './write-file.js';

/**
 * What a file of the set holds: its bytes, or its pieces made on demand (lines, each
 * newline-terminated, or chunks of bytes already encoded).
 */
export type OutputContent = string | Uint8Array | (() => Iterable<string | Uint8Array>);

/** How a checked destination will be written. */
export type WriteMode = 'atomic' | 'direct' | 'in-place';

export interface CheckedOutput {
  /** The flag or key that named it, for messages (`--report-json`). */
  label: string;
  /** As the user gave it (for messages). */
  shown: string;
  absolute: string;
  mode: WriteMode;
}

/** Longest file name most file systems take (NAME_MAX), in bytes. */
const NAME_MAX = 255;
/** Lines are written in chunks of about this many characters; a signal is noticed between chunks. */
const CHUNK_CHARS = 1 << 20;

function errnoCode(error: unknown): string | undefined {
  return error !== null && typeof error === 'object' && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a parent is not a directory',
  ENAMETOOLONG: 'name too long',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
};

/** A system error as a short phrase (`permission denied`), never Node's `EACCES: …, open '…'`. */
export function describeSystemError(error: unknown): string {
  const code = errnoCode(error);
  if (code && REASONS[code]) return REASONS[code]!;
  return error instanceof Error ? error.message : String(error);
}

/** Can a new file be created in `dir`? Tried for real: root bypasses mode bits, not read-only mounts. */
function canCreateIn(dir: string): boolean {
  const probe = path.join(dir, shortTempName('probe'));
  try {
    fs.closeSync(fs.openSync(probe, 'wx'));
    fs.unlinkSync(probe);
    return true;
  } catch {
    return false;
  }
}

/** The nearest existing ancestor of `p` (the directories `mkdir -p` would start from). */
function nearestExisting(p: string): { dir: string; stat: fs.Stats } | null {
  let dir = path.dirname(p);
  for (;;) {
    try {
      return { dir, stat: fs.statSync(dir) };
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') return null;
      const up = path.dirname(dir);
      if (up === dir) return null;
      dir = up;
    }
  }
}

/**
 * Checks one destination before anything runs and says how it will be written. Throws a one-line
 * `ReplayError` naming the flag and the path when it cannot be written.
 */
export function checkOutputPath(label: string, shown: string, cwd: string = process.cwd()): CheckedOutput {
  const absolute = path.resolve(cwd, shown);
  const fail = (why: string) => new ReplayError(`${label} ${shown}: cannot write: ${why}`);
  const nameBytes = Buffer.byteLength(path.basename(absolute));
  if (nameBytes > NAME_MAX) throw fail(`file name too long (${nameBytes} bytes; at most ${NAME_MAX})`);
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(absolute);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw fail(describeSystemError(error));
  }
  if (stat?.isDirectory()) throw fail('is a directory');
  if (stat && !stat.isFile()) {
    try {
      fs.accessSync(absolute, fs.constants.W_OK);
    } catch (error) {
      throw fail(describeSystemError(error));
    }
    return { label, shown, absolute, mode: 'direct' };
  }
  const parent = nearestExisting(absolute);
  if (!parent) throw fail('no such directory');
  if (!parent.stat.isDirectory()) throw fail(`${parent.dir} is not a directory`);
  if (canCreateIn(parent.dir)) return { label, shown, absolute, mode: 'atomic' };
  if (stat) {
    try {
      fs.accessSync(absolute, fs.constants.W_OK);
      return { label, shown, absolute, mode: 'in-place' };
    } catch (error) {
      throw fail(describeSystemError(error));
    }
  }
  throw fail(`cannot create files in ${parent.dir}`);
}

/** A file's identity: device and inode when it exists, else its resolved path. */
function identity(p: string): string {
  try {
    const s = fs.statSync(p);
    return `${s.dev}:${s.ino}`;
  } catch {
    const dir = path.dirname(p);
    try {
      return path.join(fs.realpathSync(dir), path.basename(p));
    } catch {
      return p;
    }
  }
}

/** A signal (or a caller) asked the set to stop; nothing of it was left behind. */
export class OutputsInterrupted extends Error {
  override readonly name = 'OutputsInterrupted';
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}; no output files were written`);
  }
}

interface Entry {
  out: CheckedOutput;
  content: OutputContent;
  temp?: string;
}

export class OutputSet {
  private readonly checked = new Map<string, CheckedOutput>();
  private readonly entries: Entry[] = [];
  private stopSignal: NodeJS.Signals | null = null;

  /**
   * @param inputs files the run reads (flag → path): an output may not be one of them.
   */
  constructor(
    private readonly inputs: ReadonlyArray<{ label: string; path: string }> = [],
    private readonly cwd: string = process.cwd(),
  ) {}

  /**
   * Checks a destination up front (see checkOutputPath) and refuses one that another output or an
   * input already names (a usage error).
   */
  plan(label: string, shown: string): CheckedOutput {
    const out = checkOutputPath(label, shown, this.cwd);
    const id = identity(out.absolute);
    for (const other of this.checked.values()) {
      if (identity(other.absolute) === id)
        throw new UsageError(`${label} and ${other.label} name the same file (${shown}); give each output its own path`);
    }
    for (const input of this.inputs) {
      if (identity(path.resolve(this.cwd, input.path)) === id)
        throw new UsageError(`${label} ${shown} is also the input ${input.label}; it would be overwritten`);
    }
    this.checked.set(out.absolute, out);
    return out;
  }

  /** Adds a file to the set (planning it first when `plan` was not called for it). */
  add(label: string, shown: string, content: OutputContent): void {
    const out = this.checked.get(path.resolve(this.cwd, shown)) ?? this.plan(label, shown);
    this.entries.push({ out, content });
  }

  /** Asks a write in progress to stop at its next chunk and leave nothing behind. */
  interrupt(signal: NodeJS.Signals): void {
    this.stopSignal ??= signal;
  }

  /**
   * Writes the whole set: stages every regular file, writes the direct and in-place ones, then
   * renames the staged files into place. On any failure or interrupt, removes what it staged and throws.
   */
  async writeAll(): Promise<void> {
    try {
      for (const entry of this.entries) {
        if (entry.out.mode !== 'atomic') continue;
        makeDirsSync(path.dirname(entry.out.absolute));
        entry.temp = path.join(path.dirname(entry.out.absolute), shortTempName());
        await this.writeContent(entry.temp, entry.content, entry.out);
      }
      // Streams and in-place files next: if one fails, no regular file of the set has appeared yet.
      for (const entry of this.entries) {
        if (entry.out.mode !== 'atomic') await this.writeContent(entry.out.absolute, entry.content, entry.out);
      }
      this.throwIfStopped();
      for (const entry of this.entries) if (entry.temp) fs.renameSync(entry.temp, entry.out.absolute);
    } catch (error) {
      this.discard();
      throw error;
    }
  }

  /** Removes every staged temp file (idempotent). */
  discard(): void {
    for (const entry of this.entries) {
      if (!entry.temp) continue;
      try {
        fs.unlinkSync(entry.temp);
      } catch {
        // renamed already, or never created
      }
      entry.temp = undefined;
    }
  }

  private throwIfStopped(): void {
    if (this.stopSignal) throw new OutputsInterrupted(this.stopSignal);
  }

  private async writeContent(target: string, content: OutputContent, out: CheckedOutput): Promise<void> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(target, 'w');
    } catch (error) {
      throw new ReplayError(`${out.label} ${out.shown}: cannot write: ${describeSystemError(error)}`);
    }
    try {
      if (typeof content === 'function') {
        let pending: string[] = [];
        let size = 0;
        for (const line of content()) {
          if (typeof line !== 'string') {
            if (pending.length > 0) await handle.writeFile(pending.join(''));
            pending = [];
            size = 0;
            await handle.writeFile(line);
            this.throwIfStopped();
            continue;
          }
          pending.push(line);
          size += line.length;
          if (size >= CHUNK_CHARS) {
            await handle.writeFile(pending.join(''));
            pending = [];
            size = 0;
            this.throwIfStopped();
          }
        }
        if (pending.length > 0) await handle.writeFile(pending.join(''));
      } else {
        await handle.writeFile(content);
      }
      this.throwIfStopped();
    } catch (error) {
      if (error instanceof OutputsInterrupted) throw error;
      throw new ReplayError(`${out.label} ${out.shown}: cannot write: ${describeSystemError(error)}`);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }
}
