// Types shared by the planner modules: what the core hands the planner on a tick, what the
// planner hands back, and what it records for the reports.

import type { ForwardPassSnapshot, PassLogSegments, TrafficWindow } from '../core/native.js';

export type { ForwardPassSnapshot, PassLogSegments, TrafficWindow };

export type PlannerMode = 'agg' | 'disagg' | 'prefill' | 'decode';
export type Role = 'prefill' | 'decode';
export type EventComponent = 'agg' | 'prefill' | 'decode';

/**
 * What the planner knows about one engine role (reference `EngineCapabilities`, built in replay
 * from the engine args: see `capabilitiesFromEngineArgs`). `null` = not published.
 */
export interface EngineCapabilities {
  /** GPUs per replica: TP × attention DP. */
  num_gpu: number | null;
  max_num_batched_tokens: number | null;
  max_num_seqs: number | null;
  /** `max_model_len` of the engine. */
  context_length: number | null;
  /** KV capacity per replica in tokens (blocks × block size × DP ranks); null when unknown. */
  max_kv_tokens: number | null;
  block_size: number | null;
  /** MTP draft depth (`aic_nextn`); 0/null = no speculative decoding. */
  speculative_nextn: number | null;
  /** Data-parallel ranks per replica (1 when unset); the bootstrap grid uses max_kv_tokens / dp_size. */
  dp_size?: number;
}

export interface WorkerCapabilities {
  prefill?: EngineCapabilities | null;
  decode?: EngineCapabilities | null;
}

/** One engine's latest forward pass, as the core reports it. */
export interface EnginePass {
  workerId: number;
  dpRank: number;
  /** When the pass began (ms); absent = at the tick. */
  startMs?: number;
  pass: ForwardPassSnapshot;
}

/** Everything the core reports at one planner tick (agg reports every engine on the decode side). */
export interface PlannerObservation {
  nowMs: number;
  /** Ready (routable) workers. */
  activePrefill: number;
  /** Ready + starting + draining workers. */
  totalPrefill: number;
  activeDecode: number;
  totalDecode: number;
  activePrefillIds: number[];
  activeDecodeIds: number[];
  /** Workers still starting up (absent = none). Non-draining workers = active + starting. */
  startingPrefill?: number;
  startingDecode?: number;
  /** When each active worker became ready (ms), parallel to the ids (absent = unknown). */
  activePrefillSinceMs?: number[];
  activeDecodeSinceMs?: number[];
  /** Latest pass per (worker, rank) since the previous tick; workers that ran none are absent. */
  prefillPasses: EnginePass[];
  decodePasses: EnginePass[];
  /** Every pass since the previous tick, when the planner asked the core to log them. */
  prefillPassLog?: PassLogSegments | null;
  decodePassLog?: PassLogSegments | null;
  /** Traffic since the previous tick (null when the core has none). */
  traffic: TrafficWindow | null;
}

/** Targets for the core: null = leave that role unchanged. `nextTickMs` null = no further ticks. */
export interface PlannerDecision {
  targetPrefill: number | null;
  targetDecode: number | null;
  nextTickMs: number | null;
}

export interface ScalingEvent {
  atS: number;
  component: EventComponent;
  from: number;
  to: number;
  reason: string;
}

/** Per-engine queue depths shown in the report's engine-load panels. */
export interface EngineLoadSnapshot {
  workerId: number;
  dpRank: number;
  queuedPrefillTokens: number;
  queuedDecodeKvTokens: number;
  inflightDecodeKvTokens: number;
}

/** One recorded tick (reference `TickSnapshot` plus the per-role reasons and floors). */
export interface TickSnapshot {
  timestampS: number;
  numPrefillReplicas: number | null;
  numDecodeReplicas: number | null;
  observedTtftMs: number | null;
  observedItlMs: number | null;
  observedRps: number | null;
  observedIsl: number | null;
  observedOsl: number | null;
  estimatedTtftMs: number | null;
  estimatedItlMs: number | null;
  predictedRps: number | null;
  predictedNumReq: number | null;
  predictedIsl: number | null;
  predictedOsl: number | null;
  predictedKvHitRate: number | null;
  acceptLength: number | null;
  engineRpsPrefill: number | null;
  engineRpsDecode: number | null;
  throughputLowerBoundPrefill: number | null;
  throughputLowerBoundDecode: number | null;
  loadReason: string | null;
  loadReasonPrefill: string | null;
  loadReasonDecode: string | null;
  throughputReason: string | null;
  throughputReasonPrefill: string | null;
  throughputReasonDecode: string | null;
  prefillEngines: EngineLoadSnapshot[];
  decodeEngines: EngineLoadSnapshot[];
  scaleToPrefill: number | null;
  scaleToDecode: number | null;
  gpuHours: number;
}

/** A copy of a snapshot with every field zero: the shape of an idle engine's report. */
export function emptyPass(): ForwardPassSnapshot {
  return {
    numPrefillRequests: 0,
    sumPrefillTokens: 0,
    varPrefillLength: 0,
    sumPrefillKvTokens: 0,
    numDecodeRequests: 0,
    sumDecodeKvTokens: 0,
    varDecodeKvTokens: 0,
    numQueuedPrefill: 0,
    sumQueuedPrefillTokens: 0,
    varQueuedPrefillLength: 0,
    numQueuedDecode: 0,
    sumQueuedDecodeKvTokens: 0,
    varQueuedDecodeKvTokens: 0,
    wallTimeSecs: 0,
    visibleOutputTokens: 0,
    decodeForwards: 0,
  };
}

/** `emptyPass()` with the given fields set. */
export function makePass(fields: Partial<ForwardPassSnapshot>): ForwardPassSnapshot {
  // One object instead of two (`{ ...emptyPass(), ...fields }`): the same keys in the same order.
  return Object.assign(emptyPass(), fields);
}
