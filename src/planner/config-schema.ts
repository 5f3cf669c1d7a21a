// The schema of `--planner-config` (the reference PlannerConfig's fields, current-main generation)
// with pydantic's lax coercion: integral floats and numeric strings for ints, "true"/"false" for
// bools; bounds checked per field. config.ts loads, aliases and validates with it.

import * as z from 'zod';

// ---- pydantic-like lax coercion ----------------------------------------------------------------

type Issue = { message: string };
const fail = (ctx: z.core.$RefinementCtx, input: unknown, message: string): never => {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER;
};

function laxInt(input: unknown): number | undefined {
  if (typeof input === 'boolean') return input ? 1 : 0;
  if (typeof input === 'number') return Number.isInteger(input) ? input : undefined;
  if (typeof input === 'string' && /^\s*[+-]?\d+\s*$/.test(input)) return Number(input.trim());
  return undefined;
}

export function laxFloat(input: unknown): number | undefined {
  if (typeof input === 'boolean') return input ? 1 : 0;
  if (typeof input === 'number') return input;
  if (typeof input === 'string') {
    const t = input.trim().toLowerCase();
    if (t === 'nan') return NaN;
    if (t === 'inf' || t === 'infinity' || t === '+inf') return Infinity;
    if (t === '-inf' || t === '-infinity') return -Infinity;
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
  }
  return undefined;
}

const TRUE_STRINGS = new Set(['1', 'true', 't', 'yes', 'y', 'on']);
const FALSE_STRINGS = new Set(['0', 'false', 'f', 'no', 'n', 'off']);
function laxBool(input: unknown): boolean | undefined {
  if (typeof input === 'boolean') return input;
  if (input === 0 || input === 1) return input === 1;
  if (typeof input === 'string') {
    const t = input.trim().toLowerCase();
    if (TRUE_STRINGS.has(t)) return true;
    if (FALSE_STRINGS.has(t)) return false;
  }
  return undefined;
}

interface NumOpts {
  gt?: number;
  ge?: number;
  le?: number;
}
function checkBounds(v: number, o: NumOpts): Issue | null {
  if (o.gt !== undefined && !(v > o.gt)) return { message: `Input should be greater than ${o.gt}` };
  if (o.ge !== undefined && !(v >= o.ge)) return { message: `Input should be greater than or equal to ${o.ge}` };
  if (o.le !== undefined && !(v <= o.le)) return { message: `Input should be less than or equal to ${o.le}` };
  return null;
}

function intField(o: NumOpts = {}) {
  return z.unknown().transform((input, ctx): number => {
    const v = laxInt(input);
    if (v === undefined) {
      const f = typeof input === 'number' ? 'Input should be a valid integer, got a number with a fractional part' : 'Input should be a valid integer';
      return fail(ctx, input, f);
    }
    const bad = checkBounds(v, o);
    return bad ? fail(ctx, input, bad.message) : v;
  });
}
function floatField(o: NumOpts = {}) {
  return z.unknown().transform((input, ctx): number => {
    const v = laxFloat(input);
    if (v === undefined) return fail(ctx, input, 'Input should be a valid number');
    const bad = checkBounds(v, o);
    return bad ? fail(ctx, input, bad.message) : v;
  });
}
function boolField() {
  return z.unknown().transform((input, ctx): boolean => {
    const v = laxBool(input);
    return v === undefined ? fail(ctx, input, 'Input should be a valid boolean') : v;
  });
}
function strField() {
  return z.unknown().transform((input, ctx): string => (typeof input === 'string' ? input : fail(ctx, input, 'Input should be a valid string')));
}
function literalField<const V extends string>(values: readonly V[]) {
  const shown = values.map((v) => `'${v}'`);
  const list = shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
  return z.unknown().transform((input, ctx): V =>
    typeof input === 'string' && (values as readonly string[]).includes(input) ? (input as V) : fail(ctx, input, `Input should be ${list}`),
  );
}
/** `Optional[T]`: null accepted. */
function nullable<T extends z.ZodType>(schema: T) {
  return z.union([z.null(), schema]);
}

const pickSchema = z.looseObject({
  tp: intField({ ge: 1 }).optional(),
  pp: intField({ ge: 1 }).optional(),
  dp: intField({ ge: 1 }).optional(),
  moe_tp: intField({ ge: 1 }).optional(),
  moe_ep: intField({ ge: 1 }).optional(),
});

const aicPerfModelSchema = z.looseObject({
  hf_id: strField(),
  system: strField(),
  backend: literalField(['trtllm', 'vllm', 'sglang'] as const),
  backend_version: nullable(strField()).optional(),
  prefill_pick: nullable(pickSchema).optional(),
  decode_pick: nullable(pickSchema).optional(),
  model_arch: nullable(strField()).optional(),
  weight_dtype: nullable(strField()).optional(),
  moe_dtype: nullable(strField()).optional(),
  activation_dtype: nullable(strField()).optional(),
  kv_cache_dtype: nullable(strField()).optional(),
});

const aicInterpolationSchema = z.looseObject({
  hf_id: strField(),
  system: strField(),
  backend: literalField(['trtllm', 'vllm', 'sglang'] as const),
  isl: intField({ gt: 0 }).optional(),
  osl: intField({ gt: 0 }).optional(),
  sweep_max_context_length: intField({ gt: 0 }).optional(),
  prefill_interpolation_granularity: intField({ gt: 0 }).optional(),
  decode_interpolation_granularity: intField({ gt: 0 }).optional(),
});

const schedulingSchema = z.strictObject({
  tick_max_duration_seconds: floatField({ gt: 0 }).optional(),
  external_plugins: z.array(z.unknown()).optional(),
  gateway: z.record(z.string(), z.unknown()).optional(),
  scale_interval_seconds: floatField({ gt: 0 }).optional(),
  request_timeout_seconds: floatField({ gt: 0 }).optional(),
  allow_insecure_grpc: boolField().optional(),
});

/** Every accepted top-level field (reference names; aliases are mapped before validation). */
export const plannerConfigSchema = z.object({
  pre_deployment_sweeping_mode: nullable(literalField(['none', 'rapid', 'thorough'] as const)).optional(),
  environment: literalField(['kubernetes', 'virtual', 'global-planner'] as const).optional(),
  namespace: strField().optional(),
  backend: literalField(['vllm', 'sglang', 'trtllm', 'mocker'] as const).optional(),
  mode: literalField(['disagg', 'prefill', 'decode', 'agg'] as const).optional(),
  optimization_target: literalField(['throughput', 'latency', 'load', 'sla'] as const).optional(),
  log_dir: nullable(strField()).optional(),
  throughput_adjustment_interval_seconds: intField().optional(),
  max_throughput_scaling_replicas: intField({ gt: 0 }).optional(),
  max_gpu_budget: intField().optional(),
  min_gpu_budget: intField().optional(),
  min_endpoint: intField({ ge: 0 }).optional(),
  prefill_min_endpoint: nullable(intField({ ge: 1 })).optional(),
  decode_min_endpoint: nullable(intField({ ge: 1 })).optional(),
  control_api_port: intField({ ge: 0, le: 65535 }).optional(),
  decode_engine_num_gpu: nullable(intField()).optional(),
  prefill_engine_num_gpu: nullable(intField()).optional(),
  profile_results_dir: strField().optional(),
  aic_interpolation: nullable(aicInterpolationSchema).optional(),
  aic_perf_model: nullable(aicPerfModelSchema).optional(),
  ttft_ms: floatField().optional(),
  itl_ms: floatField().optional(),
  load_predictor: strField().optional(),
  load_predictor_log1p: boolField().optional(),
  prophet_window_size: intField().optional(),
  load_predictor_warmup_trace: nullable(strField()).optional(),
  kalman_q_level: floatField().optional(),
  kalman_q_trend: floatField().optional(),
  kalman_r: floatField().optional(),
  kalman_min_points: intField().optional(),
  metric_pulling_prometheus_endpoint: strField().optional(),
  metric_pulling_prometheus_token: nullable(strField()).optional(),
  metric_pulling_prometheus_token_file: nullable(strField()).optional(),
  metric_pulling_prometheus_ssl_verify: boolField().optional(),
  metric_pulling_prometheus_extra_query_params: nullable(z.record(z.string(), strField())).optional(),
  metric_pulling_prometheus_ca_bundle: nullable(strField()).optional(),
  metric_pulling_prometheus_request_timeout_seconds: floatField({ gt: 0 }).optional(),
  metric_reporting_prometheus_port: intField().optional(),
  throughput_metrics_source: literalField(['frontend', 'router'] as const).optional(),
  model_name: nullable(strField()).optional(),
  global_planner_namespace: nullable(strField()).optional(),
  enable_throughput_scaling: boolField().optional(),
  enable_load_scaling: boolField().optional(),
  load_adjustment_interval_seconds: intField({ gt: 0 }).optional(),
  max_num_fpm_samples: intField().optional(),
  fpm_sample_bucket_size: intField().optional(),
  load_scaling_down_sensitivity: intField().optional(),
  prefill_scale_up_queue_tokens: nullable(intField({ ge: 0 })).optional(),
  prefill_scale_down_queue_tokens: nullable(intField({ ge: 0 })).optional(),
  decode_scale_up_kv_rate: nullable(floatField({ ge: 0, le: 100 })).optional(),
  decode_scale_down_kv_rate: nullable(floatField({ ge: 0, le: 100 })).optional(),
  load_min_observations: intField().optional(),
  feed_extra_fpm_to_regression: boolField().optional(),
  speculative_nextn: intField({ ge: 0 }).optional(),
  advisory: boolField().optional(),
  enable_power_awareness: boolField().optional(),
  total_gpu_power_limit: nullable(intField({ ge: 1 })).optional(),
  report_interval_hours: nullable(floatField()).optional(),
  report_output_dir: strField().optional(),
  report_filename: nullable(strField()).optional(),
  report_write_gzip_log: boolField().optional(),
  live_dashboard_port: intField().optional(),
  scheduling: schedulingSchema.optional(),
  plugin_registration: z.record(z.string(), z.unknown()).optional(),
});

export const PLANNER_CONFIG_KEYS: readonly string[] = Object.keys(plannerConfigSchema.shape);

/** Old names → current names (the current name wins when both are given). */
export const PLANNER_CONFIG_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  ttft: 'ttft_ms',
  itl: 'itl_ms',
  throughput_adjustment_interval: 'throughput_adjustment_interval_seconds',
  load_adjustment_interval: 'load_adjustment_interval_seconds',
});
