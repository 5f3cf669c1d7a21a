// Streaming line reader for JSONL trace files, plain or gzip-compressed (detected by the two magic
// bytes 1f 8b, not by the file name). The complete lines of one read chunk (1 MB) are decoded as one
// JS string and cut into lines, so memory does not grow with the file size; a partial line at a
// chunk boundary is carried as raw bytes until its newline arrives (so multi-byte UTF-8 characters
// are never split).

import { open, type FileHandle } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ReplayError } from '../errors.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
export const READ_CHUNK = 1 << 20;
/** Longest line accepted (a prompt of 2^32 tokens in 512-token hash ids needs about 80 MB). */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

const OS_ERROR_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EMFILE: 'too many open files',
};

/** A short, single-line description of an I/O or zlib error. */
export function describeIoError(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && OS_ERROR_TEXT[code]) return OS_ERROR_TEXT[code];
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string' && message.length > 0) return message.split('\n')[0];
  }
  return String(err);
}

/** True when the file starts with the gzip magic bytes. */
export async function isGzip(handle: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(2);
  const { bytesRead } = await handle.read(head, 0, 2, 0);
  return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The open file's bytes in chunks of up to 1 MB, through a streaming inflater when `gz`. The caller
 * destroys `source` and `raw` and closes the handle.
 */
export function chunksOf(handle: FileHandle, gz: boolean): { raw: Readable; source: Readable } {
  const raw = handle.createReadStream({ start: 0, autoClose: false, highWaterMark: READ_CHUNK });
  if (!gz) return { raw, source: raw };
  const gunzip = createGunzip({ chunkSize: READ_CHUNK });
  raw.on('error', (err) => gunzip.destroy(err));
  return { raw, source: raw.pipe(gunzip) };
}

function decodeLine(buf: Buffer, start: number, end: number): string {
  if (end > start && buf[end - 1] === CARRIAGE_RETURN) end--;
  return buf.toString('utf8', start, end);
}

/** Calls onLine for each `\n`-terminated line of `text` (which ends just before a newline). */
function eachLineOf(text: string, onLine: (line: string, lineNo: number) => void, lineNo: number): number {
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const stop = end > start && text.charCodeAt(end - 1) === CARRIAGE_RETURN ? end - 1 : end;
    onLine(text.slice(start, stop), ++lineNo);
    if (nl === -1) return lineNo;
    start = nl + 1;
  }
}

/**
 * Calls `onLine(text, lineNo)` for every line of the file (1-based numbers, blank lines included,
 * `\n` and `\r\n` endings stripped, a final line without newline included). Errors thrown by
 * `onLine` propagate unchanged. I/O failures become `ReplayError`s:
 *   "failed to open trace file P: <reason>"            (cannot open / not a regular file)
 *   "P:N: failed to read line N from P: <reason>"      (read or decompression error mid-file)
 */
export async function forEachLine(path: string, onLine: (line: string, lineNo: number) => void): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new ReplayError(`failed to open trace file ${path}: ${describeIoError(err)}`);
  }
  let source: Readable | undefined;
  let raw: Readable | undefined;
  try {
    let gz: boolean;
    try {
      gz = await isGzip(handle);
    } catch (err) {
      throw new ReplayError(`failed to open trace file ${path}: ${describeIoError(err)}`);
    }
    ({ raw, source } = chunksOf(handle, gz));

    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let lineNo = 0;
    // Lines must be UTF-8 (as the reference's readers require): a lossy decode would merge two
    // session ids that differ only in their invalid bytes.
    const checkUtf8 = (buf: Buffer, from: number, to: number) => {
      if (isUtf8(buf.subarray(from, to))) return;
      let n = lineNo;
      for (let at = from; at < to; ) {
        const nl = buf.indexOf(NEWLINE, at);
        const end = nl === -1 || nl > to ? to : nl;
        n += 1;
        if (!isUtf8(buf.subarray(at, end))) throw new ReplayError(`${path}:${n}: trace line ${n} is not valid UTF-8`);
        at = end + 1;
      }
    };
    let carry: Buffer[] = [];
    let carryLen = 0;
    for (;;) {
      let step: IteratorResult<Buffer>;
      try {
        step = await iterator.next();
      } catch (err) {
        const n = lineNo + 1;
        throw new ReplayError(`${path}:${n}: failed to read line ${n} from ${path}: ${describeIoError(err)}`);
      }
      if (step.done) break;
      const chunk = step.value;
      let start = 0;
      const last = chunk.lastIndexOf(NEWLINE);
      if (last !== -1) {
        if (carryLen > 0) {
          // The line carried from the previous chunk ends at this chunk's first newline.
          const nl = chunk.indexOf(NEWLINE);
          carry.push(chunk.subarray(0, nl));
          const joined = Buffer.concat(carry, carryLen + nl);
          carry = [];
          carryLen = 0;
          checkUtf8(joined, 0, joined.length);
          onLine(decodeLine(joined, 0, joined.length), ++lineNo);
          start = nl + 1;
        }
        if (start <= last) {
          checkUtf8(chunk, start, last);
          lineNo = eachLineOf(chunk.toString('utf8', start, last), onLine, lineNo);
        }
        start = last + 1;
      }
      if (start < chunk.length) {
        carry.push(chunk.subarray(start));
        carryLen += chunk.length - start;
        if (carryLen > MAX_LINE_BYTES) {
          const n = lineNo + 1;
          throw new ReplayError(`${path}:${n}: trace line ${n} is longer than ${MAX_LINE_BYTES / (1024 * 1024)} MiB with no end of line`);
        }
      }
    }
    if (carryLen > 0) {
      const joined = Buffer.concat(carry, carryLen);
      checkUtf8(joined, 0, joined.length);
      onLine(decodeLine(joined, 0, joined.length), ++lineNo);
    }
  } finally {
    if (source && source !== raw) source.destroy();
    raw?.destroy();
    await handle.close().catch(() => undefined);
  }
}
