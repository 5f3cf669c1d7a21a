// The addon names fields by their place in the objects the front end builds
// ("native config: config.agg.engine.dpSize must be …"). A user set those values with a flag or a
// JSON key, so at the boundary the path is turned back into that name
// ("--extra-engine-args: dp_size must be …"). The addon's ranges stay the one source of truth.

import { ReplayError } from '../errors.js';

const POOL_FLAGS: Record<string, { workers: string; engine: string }> = {
  agg: { workers: '--num-workers', engine: '--extra-engine-args' },
  prefill: { workers: '--num-prefill-workers', engine: '--prefill-engine-args' },
  decode: { workers: '--num-decode-workers', engine: '--decode-engine-args' },
};

/** Engine fields whose JSON key is not the field's snake_case spelling. */
const ENGINE_KEYS: Record<string, string> = {
  dpSize: 'dp_size (or attention_dp_size)',
  nextn: 'aic_nextn',
  acceptRates: 'aic_nextn_accept_rates',
  mtpSeed: 'aic_mtp_seed',
  kind: 'engine_type',
};

const ROUTER_KEYS: Record<string, string> = {
  temperature: 'router_temperature',
  queueThreshold: 'router_queue_threshold',
  queuePolicy: 'router_queue_policy',
  trackActiveBlocks: 'router_track_active_blocks',
  assumeKvReuse: 'router_assume_kv_reuse',
  trackPrefillTokens: 'router_track_prefill_tokens',
  ttlSecs: 'router_ttl_secs',
  maxTreeSize: 'router_max_tree_size',
  pruneTargetRatio: 'router_prune_target_ratio',
  predictedTtlSecs: 'router_predicted_ttl_secs',
};

const TOP_KEYS: Record<string, string> = {
  kvBytesPerToken: '--prefill-engine-args: kv_bytes_per_token',
  kvTransferGbps: '--prefill-engine-args: kv_transfer_bandwidth',
  kvTransferTiming: '--prefill-engine-args: kv_transfer_timing_mode',
};

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The user's name for a native field path (`config.agg.engine.dpSize`), or null when it has none. */
export function userNameOfNativeField(fieldPath: string): string | null {
  const parts = fieldPath.split('.');
  if (parts[0] !== 'config') return null;
  const [, first, second, ...rest] = parts;
  if (first !== undefined && TOP_KEYS[first] && second === undefined) return TOP_KEYS[first]!;
  const pool = first === undefined ? undefined : POOL_FLAGS[first];
  if (!pool || second === undefined) return null;
  if (second === 'numWorkers') return pool.workers;
  if (second === 'startupTimeS') return `${pool.engine}: startup_time`;
  const leaf = rest.join('.');
  if (second === 'engine' && leaf !== '') return `${pool.engine}: ${ENGINE_KEYS[leaf] ?? snake(leaf).replace(/\./g, '.')}`;
  if (second === 'router' && leaf !== '') return `--router-config: ${ROUTER_KEYS[leaf] ?? snake(leaf)}`;
  return null;
}

const NATIVE_FIELD = /^native config: ((?:config)(?:\.[A-Za-z0-9_]+)+) (.*)$/;

/** Runs a call into the addon; a field error comes back under the user's name for the field. */
export function withUserNames<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const m = NATIVE_FIELD.exec(message);
    const name = m ? userNameOfNativeField(m[1]!) : null;
    if (m && name) throw new ReplayError(`${name} ${m[2]}`);
    throw error;
  }
}
