// Synthetic workloads (`--input-tokens/--output-tokens/--request-count` and friends).
//
// Semantics follow the reference's two generators:
// - Flat (turns 1, shared-prefix ratio 0, groups 0, inter-turn delay 0): `requestCount` independent
//   requests named `request_1..N`, each with a prompt no other request shares.
// - Session workload (any multi-turn / prefix option): `requestCount` sessions `session_0..N-1` of
//   `turnsPerSession` turns each. Every turn — not just the first — has a prompt of exactly
//   `inputTokens` tokens and asks for `outputTokens`; later turns do NOT extend the previous turn's
//   prompt (this is what the reference generator does: a turn's prompt is its group's shared prefix,
//   if any, followed by fresh blocks). Turn k ≥ 1 becomes ready `interTurnDelayMs` after turn k-1
//   completes.
// - Prefix sharing: when ratio > 0 and groups > 0, each session draws a group uniformly with a
//   seeded RNG (seed 42); its prompts start with `round(ceil(isl / blockSize) * ratio)` blocks that
//   are identical for all sessions of the group. Each group has its own id range (the reference's
//   u32 truncation made groups collide; we do not reproduce that bug).
// - One hash id per engine block (`traceBlockSize = blockSize`); ids are never 0.
// - Arrivals (open loop): session i at `i * arrivalIntervalMs` (0 = burst), or, when `requestRate`
//   is given, Poisson with exponential gaps of mean 1000/requestRate ms from an RNG seeded with
//   `arrivalSeed` (default 42); the first arrival is at 0. Both are then divided by
//   `arrivalSpeedupRatio`, as are inter-turn delays. In concurrency mode all first arrivals are 0 and
//   no speedup is applied (the reference skips it there).

import { numberedNames, type Workload } from '../core/workload.js';
import { isSimTimeMs, SIM_TIME_LIMIT_TEXT } from '../core/limits.js';
import { ReplayError } from '../errors.js';
import { formatFloat } from './fmt.js';
import { validateConcurrency, validateSpeedupRatio } from './mooncake.js';
import { U32_MAX } from './mooncake-rows.js';
import { Rng } from './rng.js';

/** The synthetic-workload knobs, named as the CLI flags (`--input-tokens` → `inputTokens`). */
export interface SyntheticKnobs {
  inputTokens: number;
  outputTokens: number;
  /** Number of requests (flat) or sessions (multi-turn / prefix workloads). */
  requestCount: number;
  /** Constant open-loop spacing in ms (default 1.0; 0 = all at once). Ignored when `requestRate` is set. */
  arrivalIntervalMs?: number;
  /** Poisson arrivals with this mean rate (requests per second); wins over `arrivalIntervalMs`. */
  requestRate?: number;
  /** Seed of the Poisson arrival generator (default 42). */
  arrivalSeed?: number;
  /** Seed of the session generator's prefix-group draws (default 42, the reference's fixed seed). */
  workloadSeed?: number;
  turnsPerSession?: number;
  sharedPrefixRatio?: number;
  numPrefixGroups?: number;
  interTurnDelayMs?: number;
}

export interface SyntheticOptions extends SyntheticKnobs {
  /** Engine KV block size: tokens per synthetic hash id. */
  blockSize: number;
  arrivalSpeedupRatio?: number;
  /** Closed-loop cap on sessions in flight; 0 (default) = open loop. */
  concurrency?: number;
}

/** Fixed seed of the session-workload generator (prefix-group draws), as in the reference. */
export const SYNTHETIC_WORKLOAD_SEED = 42;
export const DEFAULT_ARRIVAL_SEED = 42;


/** True when the options select the reference's flat generator (no sessions, no sharing). */
export function isFlatSynthetic(opts: SyntheticOptions): boolean {
  return (
    (opts.turnsPerSession ?? 1) === 1 &&
    (opts.sharedPrefixRatio ?? 0) === 0 &&
    (opts.numPrefixGroups ?? 0) === 0 &&
    (opts.interTurnDelayMs ?? 0) === 0
  );
}

function atLeastOne(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new ReplayError(`${name} must be at least 1`);
  if (value > U32_MAX) throw new ReplayError(`${name} must be at most ${U32_MAX}, got ${value}`);
}

/** The flags that set how long the workload's arrivals span, as the user wrote them. */
function spanFlags(opts: SyntheticOptions, timeScale: number): string {
  const flags = [`--request-count ${opts.requestCount}`];
  if (opts.requestRate !== undefined) flags.push(`--request-rate ${formatFloat(opts.requestRate)}`);
  else flags.push(`--arrival-interval-ms ${formatFloat(opts.arrivalIntervalMs ?? 1.0)}`);
  if ((opts.turnsPerSession ?? 1) > 1) flags.push(`--turns-per-session ${opts.turnsPerSession}`, `--inter-turn-delay-ms ${formatFloat(opts.interTurnDelayMs ?? 0)}`);
  if (timeScale !== 1) flags.push(`--arrival-speedup-ratio ${formatFloat(timeScale)}`);
  return flags.join(', ');
}

/**
 * Refuses, before anything is allocated, a workload whose last turn would arrive beyond the
 * simulated-time limit (with Poisson arrivals, judged by their mean gap; the drawn times are
 * checked again once made).
 */
function checkSyntheticSpan(opts: SyntheticOptions, timeScale: number): void {
  const openLoop = (opts.concurrency ?? 0) === 0;
  const gapMs = opts.requestRate !== undefined ? 1000 / opts.requestRate : (opts.arrivalIntervalMs ?? 1.0);
  const lastFirstMs = openLoop ? ((opts.requestCount - 1) * gapMs) / timeScale : 0;
  const spanMs = lastFirstMs + ((opts.turnsPerSession ?? 1) - 1) * ((opts.interTurnDelayMs ?? 0) / timeScale);
  if (!isSimTimeMs(spanMs)) {
    throw new ReplayError(`${spanFlags(opts, timeScale)} put the last arrival at about ${spanMs.toExponential(3)} ms, beyond ${SIM_TIME_LIMIT_TEXT}`);
  }
}

export function syntheticWorkload(opts: SyntheticOptions): Workload {
  const flat = isFlatSynthetic(opts);
  const { inputTokens, outputTokens, requestCount, blockSize } = opts;
  const turns = opts.turnsPerSession ?? 1;
  const interval = opts.arrivalIntervalMs ?? 1.0;
  const rate = opts.requestRate;
  const ratio = opts.sharedPrefixRatio ?? 0;
  const groups = opts.numPrefixGroups ?? 0;
  const interTurnDelay = opts.interTurnDelayMs ?? 0;
  const speedup = opts.arrivalSpeedupRatio ?? 1;
  const concurrency = opts.concurrency ?? 0;
  const arrivalSeed = opts.arrivalSeed ?? DEFAULT_ARRIVAL_SEED;

  // Validation, in the reference's order.
  atLeastOne(inputTokens, 'input_tokens');
  atLeastOne(outputTokens, 'output_tokens');
  atLeastOne(requestCount, 'request_count');
  atLeastOne(turns, 'turns_per_session');
  if (rate === undefined && (!Number.isFinite(interval) || interval < 0)) {
    throw new ReplayError(
      flat
        ? `arrival_interval_ms must be a finite non-negative number, got ${formatFloat(interval)}`
        : 'arrival_interval_ms must be a finite non-negative number',
    );
  }
  if (!Number.isFinite(interTurnDelay) || interTurnDelay < 0) {
    throw new ReplayError('inter_turn_delay_ms must be a finite non-negative number');
  }
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new ReplayError(`shared_prefix_ratio must be between 0.0 and 1.0, got ${formatFloat(ratio)}`);
  }
  if (!Number.isInteger(groups) || groups < 0 || groups > U32_MAX) {
    throw new ReplayError(`num_prefix_groups must be a non-negative integer, got ${formatFloat(groups)}`);
  }
  if (!Number.isInteger(blockSize) || blockSize <= 0) {
    throw new ReplayError(`block_size must be greater than 0, got ${formatFloat(blockSize)}`);
  }
  if (rate !== undefined && (!Number.isFinite(rate) || rate <= 0)) {
    throw new ReplayError(`request_rate must be a finite positive number, got ${formatFloat(rate)}`);
  }
  if (!Number.isSafeInteger(arrivalSeed) || arrivalSeed < 0) {
    throw new ReplayError(`arrival_seed must be a non-negative integer, got ${formatFloat(arrivalSeed)}`);
  }
  if (opts.workloadSeed !== undefined && (!Number.isSafeInteger(opts.workloadSeed) || opts.workloadSeed < 0)) {
    throw new ReplayError(`workload_seed must be a non-negative integer, got ${formatFloat(opts.workloadSeed)}`);
  }
  validateConcurrency(concurrency);
  const openLoop = concurrency === 0;
  if (openLoop) validateSpeedupRatio(speedup);
  const timeScale = openLoop ? speedup : 1;

  checkSyntheticSpan(opts, timeScale);

  const S = requestCount;
  const R = S * turns;
  const numBlocks = Math.ceil(inputTokens / blockSize);
  const grouped = ratio > 0 && groups > 0;
  const prefixBlocks = grouped ? Math.min(Math.round(numBlocks * ratio), numBlocks) : 0;
  const totalHashes = R * numBlocks;
  if (totalHashes > U32_MAX) {
    throw new ReplayError(
      `synthetic workload needs ${totalHashes} prompt blocks, more than the supported ${U32_MAX}`,
    );
  }
  // Ids: 1 + g*prefixBlocks + b for shared block b of group g, then globally unique ids.
  const firstUniqueId = 1 + groups * prefixBlocks;
  const lastId = firstUniqueId - 1 + R * (numBlocks - prefixBlocks);
  if (lastId > U32_MAX) {
    throw new ReplayError(`synthetic workload needs ${lastId} distinct hash ids, more than the 32-bit id space holds`);
  }

  // First arrivals.
  const firstArrivalMs = new Float64Array(S);
  if (openLoop) {
    if (rate !== undefined) {
      const arrivalRng = new Rng(arrivalSeed);
      const perMs = rate / 1000;
      let t = 0;
      for (let i = 1; i < S; i++) {
        t += arrivalRng.exponential(perMs);
        firstArrivalMs[i] = t;
      }
    } else {
      for (let i = 1; i < S; i++) firstArrivalMs[i] = i * interval;
    }
    if (timeScale !== 1) for (let i = 0; i < S; i++) firstArrivalMs[i] /= timeScale;
    // Poisson gaps are random: the up-front check used their mean, this one the drawn times.
    if (!isSimTimeMs(firstArrivalMs[S - 1]! + (turns - 1) * (interTurnDelay / timeScale))) {
      throw new ReplayError(`${spanFlags(opts, timeScale)} put the last arrival beyond ${SIM_TIME_LIMIT_TEXT}`);
    }
  }

  const inputLength = new Uint32Array(R).fill(inputTokens);
  const outputLength = new Uint32Array(R).fill(outputTokens);
  const turnDelayMs = new Float64Array(R);
  const sharedFirstId = new Uint32Array(R);
  const sessionStart = new Uint32Array(S + 1);

  const groupRng = new Rng(opts.workloadSeed ?? SYNTHETIC_WORKLOAD_SEED);
  const turnDelay = interTurnDelay / timeScale;
  let r = 0;
  for (let s = 0; s < S; s++) {
    sessionStart[s] = r;
    const groupBase = grouped ? 1 + groupRng.below(groups) * prefixBlocks : 0;
    for (let t = 0; t < turns; t++, r++) {
      turnDelayMs[r] = t === 0 ? 0 : turnDelay;
      sharedFirstId[r] = groupBase;
    }
  }
  sessionStart[S] = R;

  return {
    inputLength,
    outputLength,
    // The ids follow a pattern (prefix blocks of the group, then fresh ones): described, not
    // listed, which spares 4 bytes per prompt block on both sides of the addon.
    hashOffsets: new Uint32Array(0),
    hashIds: new Uint32Array(0),
    blockIdPattern: { sharedFirstId, sharedBlocks: prefixBlocks, blocksPerRequest: numBlocks, firstPrivateId: firstUniqueId },
    traceBlockSize: blockSize,
    sessionStart,
    firstArrivalMs,
    turnDelayMs,
    sessionIds: numberedNames(flat ? 'request_' : 'session_', flat ? 1 : 0, S),
    concurrency,
  };
}
