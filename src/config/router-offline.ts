// Which KvRouterConfig keys the offline simulation models. A key that would change the reference's
// routing in a way dynosim does not simulate, or that only configures a live router deployment,
// is refused by name when set off its default: never accepted and silently ignored.

import { ReplayError } from '../errors.js';
import { DEFAULT_ROUTER_CONFIG, type RouterConfig } from './router-config.js';

const APPROXIMATE_INDEXER =
  'it configures the approximate indexer that routes with use_kv_events=false (the router remembers its own decisions, expiring them after router_ttl_secs and pruning at router_max_tree_size), which dynosim does not simulate yet';
const DEPLOYMENT = 'it configures a live router deployment and has no meaning in offline replay';

/** Why each unmodelled key is refused (checked only when the key is off its default). */
const UNMODELLED: ReadonlyArray<[keyof RouterConfig, string]> = [
  ['use_kv_events', "routing without KV events (the router's approximate indexer) is not simulated yet; dynosim routes on the workers' KV events"],
  ['router_ttl_secs', APPROXIMATE_INDEXER],
  ['router_max_tree_size', APPROXIMATE_INDEXER],
  ['router_prune_target_ratio', APPROXIMATE_INDEXER],
  ['router_track_output_blocks', "counting generated blocks in a worker's decode load is not simulated yet"],
  ['host_cache_hit_weight', 'it weighs hits in the host (CPU) KV tier; dynosim simulates the GPU KV tier only'],
  ['disk_cache_hit_weight', 'it weighs hits in the disk KV tier; dynosim simulates the GPU KV tier only'],
  ['shared_cache_multiplier', 'it weighs hits in a shared KV cache, which dynosim does not simulate'],
  ['router_policy_config', 'policy-family / cache-bucket YAML (--router-policy-config) is not supported yet'],
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

/** Throws, naming the key, when the config sets a key the offline simulation does not model. */
export function refuseUnmodelledRouterKeys(config: RouterConfig, flag = '--router-config'): void {
  for (const [key, why] of UNMODELLED) {
    const value = config[key];
    if (value === DEFAULT_ROUTER_CONFIG[key]) continue;
    throw new ReplayError(`${flag}: ${key}=${JSON.stringify(value)} is not supported: ${why}`);
  }
}
