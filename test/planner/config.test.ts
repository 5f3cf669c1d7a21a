// --planner-config: defaults, aliases, the scale-interval default, validation order and messages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkReplayDisaggEngineArgs,
  checkReplayPlannerMode,
  gcdSeconds,
  ignoredKeysWarning,
  parsePlannerConfig,
  resolveMinEndpoint,
} from '../../src/planner/config.js';
import { ReplayError, UsageError } from '../../src/errors.js';
import { guidePlannerConfig } from '../../bench/guide.js';

const parse = (obj: Record<string, unknown>) => parsePlannerConfig(JSON.stringify(obj));
const GUIDE = JSON.parse(guidePlannerConfig({ report_filename: 'dynosim_agg.html' })) as Record<string, unknown>;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynosim-planner-config-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('defaults', () => {
  it('an empty object gives the reference defaults (easy mode forces load on, throughput off)', () => {
    const { config, ignoredKeys, warnings } = parse({});
    expect(ignoredKeys).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config.mode).toBe('disagg');
    expect(config.optimization_target).toBe('throughput');
    expect(config.enable_load_scaling).toBe(true);
    expect(config.enable_throughput_scaling).toBe(false);
    expect(config.ttft_ms).toBe(500);
    expect(config.itl_ms).toBe(50);
    expect(config.throughput_adjustment_interval_seconds).toBe(180);
    expect(config.load_adjustment_interval_seconds).toBe(5);
    expect(config.max_throughput_scaling_replicas).toBe(8);
    expect(config.max_gpu_budget).toBe(8);
    expect(config.min_gpu_budget).toBe(-1);
    expect(config.min_endpoint).toBe(1);
    expect(config.load_predictor).toBe('arima');
    expect(config.max_num_fpm_samples).toBe(64);
    expect(config.fpm_sample_bucket_size).toBe(16);
    expect(config.load_scaling_down_sensitivity).toBe(80);
    expect(config.load_min_observations).toBe(5);
    expect(config.pre_deployment_sweeping_mode).toBe('rapid');
    expect(config.report_interval_hours).toBe(24);
    expect(config.report_output_dir).toBe('./planner_reports');
    expect(config.report_filename).toBeNull();
    expect(config.live_dashboard_port).toBe(8080);
    expect(config.scheduling.scale_interval_seconds).toBe(5);
  });

  it('the guide agg config: SLA, both loops, scale interval gcd(10, 300) = 10', () => {
    const { config } = parse(GUIDE);
    expect(config.mode).toBe('agg');
    expect(config.enable_throughput_scaling).toBe(true);
    expect(config.enable_load_scaling).toBe(true);
    expect(config.scheduling.scale_interval_seconds).toBe(10);
    expect(config.report_filename).toBe('dynosim_agg.html');
  });

  it('SLA defaults tick at gcd(5, 180) = 5; throughput counts only under sla', () => {
    expect(parse({ optimization_target: 'sla' }).config.scheduling.scale_interval_seconds).toBe(5);
    expect(parse({ optimization_target: 'sla', load_adjustment_interval_seconds: 10, throughput_adjustment_interval_seconds: 15 }).config.scheduling.scale_interval_seconds).toBe(5);
    expect(parse({ load_adjustment_interval_seconds: 10, throughput_adjustment_interval_seconds: 15 }).config.scheduling.scale_interval_seconds).toBe(10);
    expect(gcdSeconds([2.5, 10])).toBe(2.5);
  });
});

describe('aliases and ignored keys', () => {
  it('accepts the old names (the current name wins when both are given)', () => {
    const { config } = parse({ optimization_target: 'sla', ttft: 200, itl: 20, throughput_adjustment_interval: 60, load_adjustment_interval: 10 });
    expect(config.ttft_ms).toBe(200);
    expect(config.itl_ms).toBe(20);
    expect(config.throughput_adjustment_interval_seconds).toBe(60);
    expect(config.load_adjustment_interval_seconds).toBe(10);
    expect(config.scheduling.scale_interval_seconds).toBe(10);
    expect(parse({ optimization_target: 'sla', ttft: 200, ttft_ms: 300 }).config.ttft_ms).toBe(300);
  });

  it('keeps unknown and legacy keys out of the config and lists them', () => {
    const parsed = parse({ no_correction: true, load_metric_samples: 10, no_operation: false, frobnicate: 1 });
    expect(parsed.ignoredKeys).toEqual(['no_correction', 'load_metric_samples', 'no_operation', 'frobnicate']);
    expect(ignoredKeysWarning(parsed.ignoredKeys)).toContain("'no_correction', 'load_metric_samples'");
    expect(ignoredKeysWarning([])).toBeNull();
  });

  it('coerces like pydantic: integral floats and numeric strings for ints, "true" for bools', () => {
    const { config } = parse({ optimization_target: 'sla', load_adjustment_interval_seconds: '10', throughput_adjustment_interval_seconds: 300.0, enable_load_scaling: 'true' });
    expect(config.load_adjustment_interval_seconds).toBe(10);
    expect(config.throughput_adjustment_interval_seconds).toBe(300);
    expect(config.enable_load_scaling).toBe(true);
  });
});

describe('loading', () => {
  it('reads .json, .yaml and .yml files, and suffix-less files as JSON then YAML', () => {
    const json = path.join(dir, 'p.json');
    fs.writeFileSync(json, JSON.stringify(GUIDE));
    expect(parsePlannerConfig(json).config.mode).toBe('agg');
    const yml = path.join(dir, 'p.yml');
    fs.writeFileSync(yml, 'mode: agg\noptimization_target: sla\nttft_ms: 1500\nenable_load_scaling: yes\nload_adjustment_interval_seconds: 10\n');
    const y = parsePlannerConfig(yml);
    expect(y.config.mode).toBe('agg');
    expect(y.config.enable_load_scaling).toBe(true);
    expect(y.source).toBe(yml);
    const bare = path.join(dir, 'planner');
    fs.writeFileSync(bare, 'mode: agg\n');
    expect(parsePlannerConfig(bare).config.mode).toBe('agg');
    expect(parsePlannerConfig('p.yml', { cwd: dir }).config.mode).toBe('agg');
  });

  it('neither a file nor JSON → one line naming the flag', () => {
    expect(() => parsePlannerConfig('{mode: agg')).toThrow(ReplayError);
    expect(() => parsePlannerConfig('{mode: agg')).toThrow(/^--planner-config value is neither a valid file path nor valid JSON: /);
    expect(() => parsePlannerConfig('[1, 2]')).toThrow(/dictionary/);
  });
});

describe('validation order and messages', () => {
  const err = (obj: Record<string, unknown>) => {
    try {
      parse(obj);
    } catch (e) {
      expect(e).toBeInstanceOf(ReplayError);
      return (e as Error).message;
    }
    throw new Error('expected a failure');
  };

  it('field types and constraints first', () => {
    expect(err({ mode: 'both' })).toBe("--planner-config: mode: Input should be 'disagg', 'prefill', 'decode' or 'agg'");
    expect(err({ max_throughput_scaling_replicas: 0 })).toBe('--planner-config: max_throughput_scaling_replicas: Input should be greater than 0');
    expect(err({ min_endpoint: -1 })).toBe('--planner-config: min_endpoint: Input should be greater than or equal to 0');
    expect(err({ load_adjustment_interval_seconds: 2.5 })).toMatch(/valid integer/);
    expect(err({ scheduling: { bogus: 1 } })).toMatch(/^--planner-config: scheduling/);
  });

  it('1. ttft_ms > 0', () => {
    expect(err({ ttft_ms: 0, mode: 'prefill', decode_min_endpoint: 2 })).toBe('--planner-config: ttft_ms must be > 0, got 0.0');
  });

  it('2. role minimums per mode', () => {
    expect(err({ mode: 'prefill', decode_min_endpoint: 2 })).toBe("--planner-config: decode_min_endpoint is not supported when mode='prefill'");
    expect(err({ mode: 'decode', prefill_min_endpoint: 2 })).toBe("--planner-config: prefill_min_endpoint is not supported when mode='decode'");
    expect(err({ mode: 'agg', prefill_min_endpoint: 2 })).toBe(
      "--planner-config: prefill_min_endpoint and decode_min_endpoint are not supported when mode='agg'; use min_endpoint",
    );
  });

  it('3–4. report interval, bucket size', () => {
    expect(err({ report_interval_hours: -1 })).toBe('--planner-config: report_interval_hours must be a positive finite number or None');
    expect(parse({ report_interval_hours: null }).config.report_interval_hours).toBeNull();
    expect(err({ fpm_sample_bucket_size: 10 })).toBe('--planner-config: fpm_sample_bucket_size must be a perfect square, got 10');
  });

  it('7. the load target needs ordered thresholds', () => {
    expect(err({ optimization_target: 'load', mode: 'agg' })).toMatch(/requires decode_scale_up_kv_rate and decode_scale_down_kv_rate/);
    expect(err({ optimization_target: 'load', mode: 'disagg', prefill_scale_up_queue_tokens: 10, prefill_scale_down_queue_tokens: 10 })).toBe(
      '--planner-config: prefill_scale_up_queue_tokens must be greater than prefill_scale_down_queue_tokens',
    );
    const ok = parse({ optimization_target: 'load', mode: 'agg', decode_scale_up_kv_rate: 80, decode_scale_down_kv_rate: 20 }).config;
    expect(ok.enable_load_scaling).toBe(true);
  });

  it('8–9. easy targets force load on; SLA with both loops off fails', () => {
    const { config, warnings } = parse({ optimization_target: 'latency', enable_load_scaling: false, ttft_ms: 300 });
    expect(config.enable_load_scaling).toBe(true);
    expect(config.enable_throughput_scaling).toBe(false);
    expect(warnings[0]).toMatch(/ignores ttft_ms\/itl_ms/);
    expect(err({ optimization_target: 'sla', enable_throughput_scaling: false, enable_load_scaling: false })).toBe(
      '--planner-config: At least one scaling mode must be enabled (enable_throughput_scaling or enable_load_scaling)',
    );
  });

  it('10. sweeping none with throughput scaling is a warning only', () => {
    const { warnings } = parse({ optimization_target: 'sla', pre_deployment_sweeping_mode: 'none' });
    expect(warnings.some((w) => w.includes("pre_deployment_sweeping_mode is 'none'"))).toBe(true);
  });

  it('11. aic_perf_model needs the picks of its roles', () => {
    expect(err({ mode: 'agg', aic_perf_model: { hf_id: 'm', system: 'h200_sxm', backend: 'vllm' } })).toBe(
      "--planner-config: aic_perf_model.decode_pick is required for decode/agg perf queries in mode='agg'",
    );
  });

  it('12–13. intervals divide by the scale interval; load shorter than throughput', () => {
    expect(err({ optimization_target: 'sla', scheduling: { scale_interval_seconds: 7 } })).toMatch(/must evenly divide/);
    expect(err({ optimization_target: 'sla', enable_load_scaling: true, load_adjustment_interval_seconds: 180, throughput_adjustment_interval_seconds: 180 })).toBe(
      '--planner-config: load_adjustment_interval_seconds (180s) must be shorter than throughput_adjustment_interval_seconds (180s). Load-based scaling is the fast reactive loop; throughput-based is the slow predictive loop.',
    );
  });

  it('an unknown predictor fails when the predictors are used', () => {
    expect(err({ optimization_target: 'sla', load_predictor: 'lstm' })).toMatch(/unknown load_predictor 'lstm'/);
  });
});

describe('replay checks and helpers', () => {
  it('replay supports agg and disagg only', () => {
    expect(() => checkReplayPlannerMode({ mode: 'prefill' })).toThrow(UsageError);
    expect(() => checkReplayPlannerMode({ mode: 'prefill' })).toThrow("planner-in-the-loop replay supports mode='agg' or 'disagg', got 'prefill'");
    expect(() => checkReplayPlannerMode({ mode: 'agg' })).not.toThrow();
  });

  it('disagg needs both staged engine args', () => {
    expect(() => checkReplayDisaggEngineArgs({ mode: 'disagg' }, true, false)).toThrow('disagg planner replay requires --prefill-engine-args and --decode-engine-args');
    expect(() => checkReplayDisaggEngineArgs({ mode: 'disagg' }, true, true)).not.toThrow();
    expect(() => checkReplayDisaggEngineArgs({ mode: 'agg' }, false, false)).not.toThrow();
  });

  it('role minimums fall back to min_endpoint', () => {
    const { config } = parse({ min_endpoint: 2, prefill_min_endpoint: 3 });
    expect(resolveMinEndpoint(config, 'prefill')).toBe(3);
    expect(resolveMinEndpoint(config, 'decode')).toBe(2);
  });
});
