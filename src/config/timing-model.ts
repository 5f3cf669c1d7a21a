// The newest engine JSON names its latency model in `timing_model` (and the AIC selection in
// `ais_perf_config` or `ais_*` keys); dynosim lowers them onto the flat keys it has always read,
// as the reference lowers them (components/src/dynamo/replay/config.py resolve_ais_num_gpu_blocks,
// components/src/dynamo/mocker/config.py build_mocker_engine_args):
//   - `ais_<x>` is `aic_<x>`; giving both is refused ("cannot combine ais_x with aic_x");
//   - `kv_transfer_bytes_per_token` (the newest engine config's name) is `kv_bytes_per_token`;
//   - `ais_perf_config: {...}` is `timing_model: {type: external, provider: aic, config: {...}}`
//     ("ais_perf_config cannot be combined with timing_model");
//   - `timing_model: {type: "external", provider: "aic" | "ais", config: {model, backend, system,
//     backend_version, tp, moe_tp_size, moe_ep_size, attention_dp, nextn, …}}` selects AIC's
//     model; `provider: "dynamo_profile", config: {path}` is `planner_profile_data`. One timing
//     provider only ("choose one timing provider").
// Config keys dynosim has no use for are refused by name.

import type { JsonObject } from './knob.js';

/** `timing_model.config` of the AIC provider → the flat engine key it sets. */
const AIC_CONFIG_KEYS: Readonly<Record<string, string>> = {
  model: 'aic_model_path',
  backend: 'aic_backend',
  system: 'aic_system',
  systems_path: 'aic_systems_path',
  backend_version: 'aic_backend_version',
  tp: 'aic_tp_size',
  tp_size: 'aic_tp_size',
  moe_tp_size: 'aic_moe_tp_size',
  moe_ep_size: 'aic_moe_ep_size',
  attention_dp: 'aic_attention_dp_size',
  attention_dp_size: 'aic_attention_dp_size',
  gemm_dtype: 'aic_gemm_dtype',
  moe_dtype: 'aic_moe_dtype',
  fmha_dtype: 'aic_fmha_dtype',
  kv_cache_dtype: 'aic_kv_cache_dtype',
  comm_dtype: 'aic_comm_dtype',
  nextn: 'aic_nextn',
  nextn_accept_rates: 'aic_nextn_accept_rates',
  // Capacity knobs the reference moves out of the timing config into the engine's own keys.
  gpu_memory_utilization: 'gpu_memory_utilization',
  mem_fraction_static: 'mem_fraction_static',
  free_gpu_memory_fraction: 'free_gpu_memory_fraction',
};
/** Config keys that change nothing here: the worker type comes from the engine's own keys, and dynosim prices every op it can (its fallbacks print notes). */
const AIC_IGNORED_KEYS = new Set(['worker_type', 'estimation_mode', 'fallback_policy']);
/** The flat keys that name an AIC identity (a second timing provider beside `timing_model`). */
const AIC_IDENTITY_KEYS = ['aic_backend', 'aic_system', 'aic_model_path'];

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Rewrites `raw` in place onto the flat keys; `fail` words a one-line error. */
export function lowerTimingModel(raw: JsonObject, fail: (message: string) => never): void {
  for (const name of Object.keys(raw)) {
    if (!name.startsWith('ais_') || name === 'ais_perf_config') continue;
    const legacy = `aic_${name.slice(4)}`;
    if (legacy in raw) fail(`cannot combine ${name} with ${legacy}`);
    raw[legacy] = raw[name];
    delete raw[name];
  }
  if ('kv_transfer_bytes_per_token' in raw) {
    if ('kv_bytes_per_token' in raw) fail('cannot combine kv_transfer_bytes_per_token with kv_bytes_per_token');
    raw.kv_bytes_per_token = raw.kv_transfer_bytes_per_token;
    delete raw.kv_transfer_bytes_per_token;
  }
  if (raw.ais_perf_config !== undefined && raw.ais_perf_config !== null) {
    if ('timing_model' in raw && raw.timing_model !== null) fail('ais_perf_config cannot be combined with timing_model');
    if (!isObject(raw.ais_perf_config)) fail('ais_perf_config must be a mapping');
    raw.timing_model = { type: 'external', provider: 'aic', config: raw.ais_perf_config };
  }
  delete raw.ais_perf_config;

  const timing = raw.timing_model;
  delete raw.timing_model;
  if (timing === undefined || timing === null) return;
  if (!isObject(timing)) fail('timing_model must be a JSON object');
  const { type, provider, config } = timing as JsonObject;
  for (const key of Object.keys(timing as JsonObject)) {
    if (!['type', 'provider', 'config'].includes(key)) fail(`timing_model: unknown key \`${key}\` (expected type, provider, config)`);
  }
  if (type !== 'external') fail(`timing_model.type must be 'external', got ${JSON.stringify(type)}`);
  if (!isObject(config)) fail('timing_model.config must be a JSON object');
  const cfg = config as JsonObject;
  if (provider === 'aic' || provider === 'ais') {
    if (raw.planner_profile_data !== undefined && raw.planner_profile_data !== null) {
      fail('choose one timing provider: AIS or planner_profile_data');
    }
    const flat = AIC_IDENTITY_KEYS.find((k) => raw[k] !== undefined && raw[k] !== null);
    if (flat !== undefined) fail(`choose one timing provider: timing_model or the flat AIC identity (${flat})`);
    for (const [key, value] of Object.entries(cfg)) {
      if (AIC_IGNORED_KEYS.has(key)) continue;
      const target = AIC_CONFIG_KEYS[key];
      if (target === undefined) fail(`timing_model.config: unknown key \`${key}\` (known: ${Object.keys(AIC_CONFIG_KEYS).join(', ')})`);
      if (target in raw && raw[target] !== null && raw[target] !== value) fail(`timing_model.config.${key} conflicts with ${target}`);
      raw[target] = value;
    }
    if (raw.aic_backend === undefined) raw.aic_backend = raw.engine_type ?? 'vllm';
    if (raw.aic_system === undefined || raw.aic_model_path === undefined) {
      fail('timing_model with provider aic needs config.model and config.system');
    }
  } else if (provider === 'dynamo_profile') {
    for (const key of Object.keys(cfg)) if (key !== 'path') fail(`timing_model.config: unknown key \`${key}\` (the dynamo_profile provider takes path)`);
    if (typeof cfg.path !== 'string') fail('timing_model.config.path must be a string');
    if (raw.planner_profile_data !== undefined && raw.planner_profile_data !== null && raw.planner_profile_data !== cfg.path) {
      fail('choose one timing provider: timing_model or planner_profile_data');
    }
    raw.planner_profile_data = cfg.path;
  } else {
    fail(`timing_model.provider must be 'aic', 'ais' or 'dynamo_profile', got ${JSON.stringify(provider)}`);
  }
}
