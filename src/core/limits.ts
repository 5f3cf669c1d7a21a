// What the simulation can represent. Simulated time is integer nanoseconds in an int64, so every
// time, delay and rate a user gives must land within a bound well inside it: 100 years. Inputs are
// checked against it where they enter (trace lines, flags, JSON keys), with the user's own name
// for the value, so nothing overflows silently into a wrong number.

/** The simulated-time limit: 100 years, in ms (3.15576e12 ms; 3.2e18 ns < 2^63). */
export const MAX_SIM_TIME_MS = 100 * 365.25 * 24 * 3600 * 1000;

/** `the simulated-time limit of 100 years (3.15576e12 ms)`, for messages. */
export const SIM_TIME_LIMIT_TEXT = `the simulated-time limit of 100 years (${MAX_SIM_TIME_MS.toExponential()} ms)`;

/** True when `ms` is a finite time within [0, MAX_SIM_TIME_MS]. */
export function isSimTimeMs(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_SIM_TIME_MS;
}

/**
 * The first session whose last turn could start beyond the limit (first arrival plus every
 * inter-turn delay, the earliest its turns can arrive), or -1 when every session fits.
 */
export function sessionBeyondTimeLimit(firstArrivalMs: Float64Array, sessionStart: Uint32Array, turnDelayMs: Float64Array): number {
  for (let s = 0; s < firstArrivalMs.length; s++) {
    let t = firstArrivalMs[s]!;
    for (let r = sessionStart[s]!; r < sessionStart[s + 1]!; r++) t += turnDelayMs[r]!;
    if (!isSimTimeMs(t)) return s;
  }
  return -1;
}
