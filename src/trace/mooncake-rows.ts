// The Mooncake loader's rules for one row once its fields are read (by JSON.parse or by the
// addon's scanner): required fields, sessions (explicit ids, implicit `request_<line>` ones and
// explicit ids spelling an implicit one), the delay after the previous turn, and the limits; then
// the row's place in the per-request and per-session arrays. Every message is
// `<path>:<line>: <reference message>`.

import { ReplayError } from '../errors.js';
import { formatFloat } from './fmt.js';
import { GrowableFloat64, GrowableUint32 } from './growable.js';

export const U32_MAX = 0xffffffff;
const IMPLICIT_SESSION = /^request_([1-9][0-9]*)$/;

/** A row's fields after the type checks (undefined = absent or null). */
export interface RowFields {
  timestamp: number | undefined;
  explicitDelay: number | undefined;
  rawInput: number | undefined;
  rawOutput: number | undefined;
  sessionId: string | undefined;
  /** Entries of `hash_ids`; undefined when the field is absent. */
  hashCount: number | undefined;
}

/** What `check` decided for a row, for `commit`. */
export interface CheckedRow {
  session: number; // -1: a new session
  turnIndex: number;
  delay: number;
  isl: number;
  output: number;
}

export class MooncakeRows {
  // Per request, in file order.
  readonly inputLength: GrowableUint32;
  readonly outputLength: GrowableUint32;
  readonly hashEnd: GrowableUint32;
  readonly reqSession: GrowableUint32;
  readonly reqDelay: GrowableFloat64;
  // Per session, in order of first appearance.
  readonly sessFirstLine: GrowableUint32;
  readonly sessFirstTs: GrowableFloat64; // NaN = first turn had no timestamp
  private readonly sessLastTs: GrowableFloat64; // NaN = no timestamp seen yet
  readonly sessTurns: GrowableUint32;
  // Names of sessions with an explicit session_id; the others are `request_<first line>`, named
  // when asked (a million single-turn rows would otherwise make a million strings).
  private readonly explicitNames = new Map<number, string>();
  private readonly explicitSessions = new Map<string, number>();
  private explicitLooksImplicit = false; // some explicit session_id has the form request_<n>

  /** `expectedRows`: how many rows are coming, when known, so the arrays are sized once. */
  constructor(
    private readonly path: string,
    private readonly traceBlockSize: number,
    private readonly traceMode: boolean,
    expectedRows = 1024,
  ) {
    this.inputLength = new GrowableUint32(expectedRows);
    this.outputLength = new GrowableUint32(expectedRows);
    this.hashEnd = new GrowableUint32(expectedRows);
    this.reqSession = new GrowableUint32(expectedRows);
    this.reqDelay = new GrowableFloat64(expectedRows);
    this.sessFirstLine = new GrowableUint32(expectedRows);
    this.sessFirstTs = new GrowableFloat64(expectedRows);
    this.sessLastTs = new GrowableFloat64(expectedRows);
    this.sessTurns = new GrowableUint32(expectedRows);
  }

  get sessionCount(): number {
    return this.sessFirstLine.length;
  }

  /** The name of session `s` (sessions are numbered in order of first appearance). */
  sessionName(s: number): string {
    return this.explicitNames.get(s) ?? `request_${this.sessFirstLine.get(s)}`;
  }

  /** `sessionName` once every row is in, holding only what names need (not the rows). */
  namer(): (s: number) => string {
    const explicit = this.explicitNames;
    const firstLine = this.sessFirstLine.view();
    return (s) => explicit.get(s) ?? `request_${firstLine[s]}`;
  }

  lineError(lineNo: number, msg: string): ReplayError {
    return new ReplayError(`${this.path}:${lineNo}: ${msg}`);
  }

  /** Session created for line `n` without a session_id, if any (sessions are created in line order). */
  private implicitSessionAt(n: number, name: string): number {
    let lo = 0;
    let hi = this.sessionCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const l = this.sessFirstLine.get(mid);
      if (l === n) return this.sessionName(mid) === name ? mid : -1;
      if (l < n) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * Required fields, session, delay and limits of the row at `lineNo`; throws the reference's
   * message. The result is valid until the next call.
   */
  check(lineNo: number, f: RowFields): CheckedRow {
    const { timestamp, explicitDelay, rawInput, rawOutput, sessionId, hashCount } = f;
    // 2. Required fields.
    if (hashCount === undefined) throw this.lineError(lineNo, `trace line ${lineNo} is missing hash_ids`);
    if (rawOutput === undefined) throw this.lineError(lineNo, `trace line ${lineNo} is missing output_length`);

    // 3. Session. (Its name is spelt only when needed: for a message, or to look an implicit one up.)
    const sessionLabel = (): string => sessionId ?? `request_${lineNo}`;
    let session = -1;
    if (sessionId === undefined) {
      if (this.explicitLooksImplicit) session = this.explicitSessions.get(sessionLabel()) ?? -1;
    } else {
      session = this.explicitSessions.get(sessionId) ?? -1;
      if (session < 0) {
        const m = IMPLICIT_SESSION.exec(sessionId);
        if (m) {
          this.explicitLooksImplicit = true;
          const n = Number(m[1]);
          if (n < lineNo) session = this.implicitSessionAt(n, sessionId);
          if (session >= 0) this.explicitSessions.set(sessionId, session);
        }
      }
    }
    const isNewSession = session < 0;
    const turnIndex = isNewSession ? 0 : this.sessTurns.get(session);

    // 4. Delay after the previous turn.
    let delay: number;
    if (turnIndex === 0) {
      if (explicitDelay !== undefined && explicitDelay !== 0) {
        throw this.lineError(lineNo, `trace line ${lineNo} sets delay on the first turn of session ${sessionLabel()}`);
      }
      delay = 0;
    } else if (explicitDelay !== undefined) {
      delay = explicitDelay;
    } else if (timestamp !== undefined) {
      const previous = this.sessLastTs.get(session);
      if (Number.isNaN(previous)) {
        throw this.lineError(lineNo, `trace line ${lineNo} for session ${sessionLabel()} cannot infer delay without a previous timestamp`);
      }
      delay = timestamp - previous;
    } else {
      delay = 0;
    }
    if (!Number.isFinite(delay) || delay < 0) {
      throw this.lineError(lineNo, `trace line ${lineNo} has invalid delay ${formatFloat(delay)}`);
    }

    // 5. Session / turn validity (checked per line so a bad trace fails at the offending line).
    if (isNewSession && this.traceMode && timestamp === undefined) {
      throw this.lineError(lineNo, `trace mode requires first_arrival_timestamp_ms for session ${sessionLabel()}`);
    }
    if (hashCount === 0) {
      throw this.lineError(lineNo, `session ${sessionLabel()} turn ${turnIndex} must contain at least one hash id`);
    }
    const capacity = hashCount * this.traceBlockSize;
    const isl = rawInput === undefined ? capacity : Math.min(rawInput, capacity);
    if (isl === 0) {
      throw this.lineError(lineNo, `session ${sessionLabel()} turn ${turnIndex} must have a positive input_length`);
    }
    if (isl > U32_MAX) {
      throw this.lineError(lineNo, `trace line ${lineNo} input_length ${isl} exceeds the supported maximum ${U32_MAX}`);
    }
    if (rawOutput > U32_MAX) {
      throw this.lineError(lineNo, `trace line ${lineNo} output_length ${rawOutput} exceeds the supported maximum ${U32_MAX}`);
    }
    const out = this.checked;
    out.session = session;
    out.turnIndex = turnIndex;
    out.delay = delay;
    out.isl = isl;
    out.output = rawOutput;
    return out;
  }

  // What `check` returns: one object, overwritten by the next row's check.
  private readonly checked: CheckedRow = { session: 0, turnIndex: 0, delay: 0, isl: 0, output: 0 };

  /** 7. Adds the checked row; its hash ids end at `hashEnd` in the loader's id array. */
  commit(lineNo: number, f: RowFields, row: CheckedRow, hashEnd: number): void {
    let session = row.session;
    if (session < 0) {
      session = this.sessionCount;
      if (f.sessionId !== undefined) {
        this.explicitNames.set(session, f.sessionId);
        this.explicitSessions.set(f.sessionId, session);
      }
      this.sessFirstLine.push(lineNo);
      this.sessFirstTs.push(f.timestamp ?? NaN);
      this.sessLastTs.push(NaN);
      this.sessTurns.push(0);
    }
    this.sessTurns.set(session, row.turnIndex + 1);
    if (f.timestamp !== undefined) this.sessLastTs.set(session, f.timestamp);
    this.inputLength.push(row.isl);
    this.outputLength.push(row.output);
    this.hashEnd.push(hashEnd);
    this.reqSession.push(session);
    this.reqDelay.push(row.delay);
  }
}
