// Which KvRouterConfig keys the offline simulation models. A key that would change the reference's
// routing in a way dynosim does not simulate, that only configures a live router deployment, or
// that the chosen indexer would not read (the approximate indexer's keys with KV events on), is
// refused by name when set off its default: never accepted and silently ignored.

import { ReplayError } from '../errors.js';
import { DEFAULT_ROUTER_CONFIG, type RouterConfig } from './router-config.js';

const DEPLOYMENT = 'it configures a live router deployment and has no meaning in offline replay';

/** Why each unmodelled key is refused (checked only when the key is off its default). */
const UNMODELLED: ReadonlyArray<[keyof RouterConfig, string]> = [
  [
    'router_track_output_blocks',
    "the reference's offline replay never tells its router about generated tokens (OfflineReplayRouter has only arrival, prefill-completed and completion hooks), so output blocks are never tracked offline",
  ],
  ['host_cache_hit_weight', 'it weighs hits in the host (CPU) KV tier; dynosim simulates the GPU KV tier only'],
  ['disk_cache_hit_weight', 'it weighs hits in the disk KV tier; dynosim simulates the GPU KV tier only'],
  ['shared_cache_multiplier', 'it weighs hits in a shared KV cache, which dynosim does not simulate'],
  ['shared_cache_type', 'it queries an external shared KV cache (SGLang HiCache), which dynosim does not simulate'],
  ['durable_kv_events', DEPLOYMENT],
  ['router_replica_sync', DEPLOYMENT],
  ['router_snapshot_threshold', DEPLOYMENT],
  ['router_reset_states', DEPLOYMENT],
  ['router_event_threads', DEPLOYMENT],
  ['router_enable_cache_control', DEPLOYMENT],
  ['skip_initial_worker_wait', DEPLOYMENT],
  ['min_initial_workers', DEPLOYMENT],
  ['remote_indexer_component', DEPLOYMENT],
  ['use_remote_indexer', DEPLOYMENT],
  ['serve_indexer', DEPLOYMENT],
];

/** Keys of the approximate indexer, read only when use_kv_events is false (KvRouterConfig docs). */
const APPROXIMATE_INDEXER_KEYS: ReadonlyArray<keyof RouterConfig> = ['router_ttl_secs', 'router_max_tree_size', 'router_prune_target_ratio'];

/**
 * Throws, naming the key, when the config sets a key the offline simulation does not model, or an
 * approximate-indexer key that the KV-event indexer would ignore (use_kv_events is true).
 */
export function refuseUnmodelledRouterKeys(config: RouterConfig, flag = '--router-config'): void {
  // RouterQueueDepthTiers caps the live router's SchedulerQueue; the offline router queues in its
  // PolicyQueue, which the tiers never reach.
  const tiers = config.router_queue_by_incoming_missing_isl;
  if (tiers.length > 0)
    throw new ReplayError(
      `${flag}: router_queue_by_incoming_missing_isl=${JSON.stringify(tiers)} is not supported: its tiers cap the live router's scheduler queue, which the reference's offline replay does not use (it queues in the policy queue)`,
    );
  for (const [key, why] of UNMODELLED) {
    const value = config[key];
    if (value === DEFAULT_ROUTER_CONFIG[key]) continue;
    throw new ReplayError(`${flag}: ${key}=${JSON.stringify(value)} is not supported: ${why}`);
  }
  if (!config.use_kv_events) return;
  for (const key of APPROXIMATE_INDEXER_KEYS) {
    const value = config[key];
    if (value === DEFAULT_ROUTER_CONFIG[key]) continue;
    throw new ReplayError(
      `${flag}: ${key}=${JSON.stringify(value)} takes effect only with use_kv_events=false (the router's approximate indexer); with KV events it would change nothing`,
    );
  }
}
