// argparse behaviour of the command line and the §1.1 checks in the reference's order.
import { describe, expect, it } from 'vitest';
import { helpText, parseArgs, parseCli, parsePyFloat, parsePyInt, pyRepr } from '../../src/cli/args.js';
import { prepareReplay } from '../../src/cli/prepare-replay.js';
import type { CliNamespace } from '../../src/cli/args.js';
import { ReplayError, UsageError } from '../../src/errors.js';

function ns(argv: string[], env: Record<string, string | undefined> = {}): CliNamespace {
  const parsed = parseArgs(argv, env);
  if (parsed.kind !== 'args') throw new Error('expected a namespace');
  return parsed.namespace;
}

function usageError(argv: string[]): string {
  try {
    parseCli(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

function replayError(argv: string[]): string {
  try {
    parseCli(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(ReplayError);
    return (error as Error).message;
  }
  throw new Error('expected a ReplayError');
}

const SYN = ['--input-tokens', '100', '--output-tokens', '10', '--request-count', '4'];

describe('Python conversions', () => {
  it('int() accepts what Python accepts', () => {
    expect(parsePyInt('12')).toBe(12);
    expect(parsePyInt(' -3 ')).toBe(-3);
    expect(parsePyInt('+7')).toBe(7);
    expect(parsePyInt('1_000')).toBe(1000);
    for (const bad of ['x', '1.0', '', '0x10', '1e3', '1__0', '_1']) expect(parsePyInt(bad)).toBeUndefined();
  });

  it('float() accepts inf, nan, exponents and underscores', () => {
    expect(parsePyFloat('1e3')).toBe(1000);
    expect(parsePyFloat('inf')).toBe(Infinity);
    expect(parsePyFloat('-Infinity')).toBe(-Infinity);
    expect(parsePyFloat('NaN')).toBeNaN();
    expect(parsePyFloat('.5')).toBe(0.5);
    expect(parsePyFloat('5.')).toBe(5);
    expect(parsePyFloat(' 2.5E-1 ')).toBe(0.25);
    expect(parsePyFloat('1_000.5')).toBe(1000.5);
    for (const bad of ['x', '', '.', 'e3', '1e', '1.2.3', 'infinit']) expect(parsePyFloat(bad)).toBeUndefined();
  });

  it('repr() quotes like Python', () => {
    expect(pyRepr('x')).toBe("'x'");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('a\nb')).toBe("'a\\nb'");
  });
});

describe('argparse parsing', () => {
  it('has the reference defaults', () => {
    const n = ns([]);
    expect(n).toMatchObject({
      trace_files: [],
      num_workers: 1,
      num_prefill_workers: 1,
      num_decode_workers: 1,
      replay_mode: 'offline',
      router_mode: 'round_robin',
      arrival_speedup_ratio: 1.0,
      trace_format: 'mooncake',
      trace_block_size: null,
      turns_per_session: 1,
      shared_prefix_ratio: 0,
      num_prefix_groups: 0,
      inter_turn_delay_ms: 0,
      benchmark_granularity: 8,
      arrival_seed: 42,
      request_rate: null,
      report_json: null,
      planner_config: null,
    });
  });

  it('takes --flag value, --flag=value and unambiguous prefixes', () => {
    expect(ns(['--num-workers', '4']).num_workers).toBe(4);
    expect(ns(['--num-workers=4']).num_workers).toBe(4);
    expect(ns(['--num-w', '3']).num_workers).toBe(3);
    expect(ns(['--num-w=5']).num_workers).toBe(5);
    expect(ns(['--router-m', 'kv_router']).router_mode).toBe('kv_router');
    expect(ns(['--report-json', 'r.json']).report_json).toBe('r.json');
    expect(ns(['--extra-engine-args={"block_size": 16}']).extra_engine_args).toBe('{"block_size": 16}');
  });

  it('treats --per-request-jsonl as --report-jsonl', () => {
    expect(ns(['--per-request-jsonl', 'p.jsonl']).report_jsonl).toBe('p.jsonl');
    expect(ns(['--per', 'p.jsonl']).report_jsonl).toBe('p.jsonl');
  });

  it('parses floats the Python way and negative numbers as values', () => {
    expect(ns(['--arrival-speedup-ratio', 'inf']).arrival_speedup_ratio).toBe(Infinity);
    expect(ns(['--arrival-speedup-ratio', '1e3']).arrival_speedup_ratio).toBe(1000);
    expect(ns(['--inter-turn-delay-ms', '-5']).inter_turn_delay_ms).toBe(-5);
    expect(ns(['--shared-prefix-ratio', '-.5']).shared_prefix_ratio).toBe(-0.5);
  });

  it('collects the positional trace file around options', () => {
    expect(ns(['t.jsonl', '--num-workers', '2']).trace_files).toEqual(['t.jsonl']);
    expect(ns(['--num-workers', '2', 't.jsonl']).trace_files).toEqual(['t.jsonl']);
    expect(ns(['a.jsonl', 'b.jsonl']).trace_files).toEqual(['a.jsonl', 'b.jsonl']);
    expect(ns(['--', '--odd-name.jsonl']).trace_files).toEqual(['--odd-name.jsonl']);
  });

  it('reads --router-policy-config from the environment', () => {
    expect(ns([], { DYN_ROUTER_POLICY_CONFIG: '/p.yaml' }).router_policy_config).toBe('/p.yaml');
  });

  it('reports argparse errors with argparse wording', () => {
    expect(usageError(['--num-workers', 'x'])).toBe("argument --num-workers: invalid int value: 'x'");
    expect(usageError(['--num-workers=2.5'])).toBe("argument --num-workers: invalid int value: '2.5'");
    expect(usageError(['--arrival-speedup-ratio', 'fast'])).toBe("argument --arrival-speedup-ratio: invalid float value: 'fast'");
    expect(usageError(['--router-mode', 'x'])).toBe(
      "argument --router-mode: invalid choice: 'x' (choose from 'round_robin', 'kv_router')",
    );
    expect(usageError(['--replay-mode', 'live'])).toBe("argument --replay-mode: invalid choice: 'live' (choose from 'offline', 'online')");
    expect(usageError(['--num-workers'])).toBe('argument --num-workers: expected one argument');
    expect(usageError(['--report-jsonl', '--num-workers', '2'])).toBe('argument --report-jsonl/--per-request-jsonl: expected one argument');
    expect(usageError(['t.jsonl', '--bogus'])).toBe('unrecognized arguments: --bogus');
    expect(usageError(['a.jsonl', '--num-workers', '2', 'b.jsonl'])).toBe('unrecognized arguments: b.jsonl');
    expect(usageError(['--report-js', 'x'])).toBe('ambiguous option: --report-js could match --report-json, --report-jsonl');
    expect(usageError(['--num', '2'])).toMatch(/^ambiguous option: --num could match --num-prefix-groups, --num-workers/);
  });

  it('reports an ambiguous option before a bad value that precedes it', () => {
    expect(usageError(['--num-workers', 'x', '--re', 'y'])).toMatch(/^ambiguous option: --re could match/);
  });

  it('answers -h/--help with the help text', () => {
    expect(parseArgs(['-h'])).toEqual({ kind: 'help', text: helpText() });
    expect(parseArgs(['t.jsonl', '--help']).kind).toBe('help');
    expect(parseArgs(['--he']).kind).toBe('help');
    expect(helpText()).toContain('--per-request-jsonl');
    expect(helpText()).toMatch(/^usage: dynosim /);
    // The subcommands are listed (issue 13, item 6).
    expect(helpText()).toMatch(/\nsubcommands:\n {2}sweep {17}run a study.*\n {2}compare {15}compare runs.*\n {2}perf-model {12}print the forward-pass latency model/);
  });
});

describe('§1.1 checks, in order', () => {
  it('2–3: trace file counts per format', () => {
    expect(usageError(['--trace-format', 'dynamo'])).toBe('--trace-format=dynamo requires at least one trace file');
    expect(usageError(['a', 'b'])).toBe('--trace-format=mooncake requires exactly one trace file');
  });

  it('4: a trace file plus a synthetic flag', () => {
    expect(usageError(['t.jsonl', '--input-tokens', '5'])).toBe(
      'provide either trace_file or all of --input-tokens/--output-tokens/--request-count',
    );
    expect(usageError(['t.jsonl', '--turns-per-session', '2'])).toBe(
      'provide either trace_file or all of --input-tokens/--output-tokens/--request-count',
    );
    expect(usageError([])).toBe('provide either trace_file or all of --input-tokens/--output-tokens/--request-count');
  });

  it('1: --arrival-interval-ms alone is not synthetic and is ignored with a trace', () => {
    expect(usageError(['--arrival-interval-ms', '5'])).toBe(
      'provide either trace_file or all of --input-tokens/--output-tokens/--request-count',
    );
    const run = parseCli(['t.jsonl', '--arrival-interval-ms', '5']);
    expect(run.kind === 'run' && run.options.traceFiles).toEqual(['t.jsonl']);
  });

  it('5: synthetic needs all three sizes', () => {
    expect(usageError(['--input-tokens', '5', '--output-tokens', '3'])).toBe(
      'synthetic replay requires --input-tokens, --output-tokens, and --request-count',
    );
    expect(usageError(['--num-prefix-groups', '2'])).toBe('synthetic replay requires --input-tokens, --output-tokens, and --request-count');
  });

  it('newer: --request-rate is synthetic-only and exclusive', () => {
    expect(usageError(['t.jsonl', '--request-rate', '5'])).toBe('--request-rate only applies to synthetic replay');
    expect(usageError([...SYN, '--request-rate', '5', '--arrival-interval-ms', '2'])).toBe(
      'synthetic replay requires exactly one of --replay-concurrency, --request-rate, or --arrival-interval-ms',
    );
    expect(usageError([...SYN, '--request-rate', '5', '--replay-concurrency', '2'])).toContain('exactly one of');
  });

  it('6: applied_compute_agentic needs concurrency', () => {
    expect(usageError(['t.json', '--trace-format', 'applied_compute_agentic'])).toBe(
      '--trace-format=applied_compute_agentic requires --replay-concurrency because the source traces do not include first-turn timestamps',
    );
  });

  it('7: --report-jsonl restrictions', () => {
    expect(usageError(['t.jsonl', '--report-jsonl', 'p', '--replay-mode', 'online'])).toBe('--report-jsonl only supports --replay-mode=offline');
    expect(usageError(['t.jsonl', '--report-jsonl', 'p', '--planner-config', '{}'])).toBe('--report-jsonl is not supported with --planner-config');
    expect(usageError([...SYN, '--per-request-jsonl', 'p'])).toBe('--report-jsonl currently only supports trace-file replay');
  });

  it('8: --max-sim-time-seconds restrictions', () => {
    expect(usageError(['t.jsonl', '--max-sim-time-seconds', '10', '--planner-config', '{}'])).toBe(
      '--max-sim-time-seconds is not supported with --planner-config',
    );
    expect(usageError([...SYN, '--max-sim-time-seconds', '10'])).toBe('--max-sim-time-seconds currently only supports trace-file replay');
  });

  it('9: SLA flags are accepted without a planner', () => {
    const run = parseCli(['t.jsonl', '--sla-ttft-ms', '500', '--sla-itl-ms', '50']);
    expect(run.kind === 'run' && [run.options.slaTtftMs, run.options.slaItlMs]).toEqual([500, 50]);
  });

  it('10–11: engine and router JSON errors are ReplayErrors raised before item 12', () => {
    expect(replayError(['t.jsonl', '--extra-engine-args', '[]', '--aic-gemm-dtype', 'fp8'])).toBe(
      '--extra-engine-args: engine-args must be a JSON object',
    );
    expect(replayError(['t.jsonl', '--prefill-engine-args', '{"bogus": 1}'])).toMatch(/^--prefill-engine-args: unknown field `bogus`/);
    expect(replayError(['t.jsonl', '--router-config', '[1]'])).toBe('--router-config must contain a JSON object');
  });

  it('12: router-side AIC flags need backend, system and model', () => {
    expect(usageError(['t.jsonl', '--aic-tp-size', '2'])).toBe('AIC replay modeling requires --aic-backend, --aic-system, --aic-model-path');
    expect(usageError(['t.jsonl', '--aic-backend', 'vllm', '--aic-system', 'h200_sxm'])).toBe('AIC replay modeling requires --aic-model-path');
    // `auto` dtypes and --aic-systems-path alone do not request AIC modelling.
    expect(parseCli(['t.jsonl', '--aic-gemm-dtype', 'auto', '--aic-systems-path', '/db']).kind).toBe('run');
    const run = parseCli(['t.jsonl', '--aic-backend', 'vllm', '--aic-system', 'h200_sxm', '--aic-model-path', 'm', '--aic-moe-dtype', 'int4']);
    expect(run.kind === 'run' && run.options.aicPerfConfig).toEqual({
      backend: 'vllm',
      system: 'h200_sxm',
      modelPath: 'm',
      tpSize: 1,
      moeDtype: 'int4_wo',
    });
  });

  it('13: planner checks, then the planner config passes through to the replay', () => {
    expect(usageError(['t.jsonl', '--planner-config', '{}', '--replay-mode', 'online'])).toBe('--planner-config only supports --replay-mode=offline');
    expect(usageError(['t.jsonl', '--planner-config', '{}', '--trace-format', 'mooncake-delta'])).toBe(
      '--planner-config only supports --trace-format=mooncake or --trace-format=dynamo',
    );
    // The newer reference plans on Dynamo request traces too.
    const dynamo = parseCli(['a.jsonl', 'b.jsonl', '--trace-format', 'dynamo', '--planner-config', '{"mode": "agg"}']);
    if (dynamo.kind === 'help') throw new Error('expected a replay');
    expect(dynamo.options.traceFiles).toEqual(['a.jsonl', 'b.jsonl']);
    const parsed = parseCli(['t.jsonl', '--planner-config', '{"mode": "agg"}']);
    if (parsed.kind === 'help') throw new Error('expected a replay');
    expect(parsed.options.plannerConfig).toBe('{"mode": "agg"}');
  });

  it('takes the mooncake_delta alias and --agentic-lanes for agentic_mooncake and dynamo only', () => {
    const delta = parseCli(['t.jsonl', '--trace-format', 'mooncake_delta']);
    if (delta.kind === 'help') throw new Error('expected a replay');
    expect(delta.options.traceFormat).toBe('mooncake-delta');
    const lanes = parseCli(['t.jsonl', '--trace-format', 'agentic_mooncake', '--agentic-lanes', '3']);
    if (lanes.kind === 'help') throw new Error('expected a replay');
    expect(lanes.options.agenticLanes).toBe(3);
    expect(usageError(['t.jsonl', '--trace-format', 'agentic_mooncake', '--agentic-lanes', '-1'])).toBe('agentic_lanes must be greater than 0');
    expect(usageError(['t.jsonl', '--agentic-lanes', '2'])).toBe('--agentic-lanes applies to --trace-format agentic_mooncake or dynamo (agent sessions) only');
  });

  it('rejects what this version cannot run, after the reference checks', () => {
    expect(usageError(['t.jsonl', '--replay-mode', 'online'])).toContain('online needs a live Dynamo runtime and is not supported');
    expect(usageError(['t.jsonl', '--trace-format', 'agentic_mooncake', '--replay-concurrency', '2'])).toContain('use --agentic-lanes instead');
    const policy = parseCli(['t.jsonl', '--router-policy-config', 'p.yaml', '--model-name', 'm']);
    if (policy.kind === 'help') throw new Error('expected a replay');
    expect(policy.options).toMatchObject({ routerPolicyConfig: 'p.yaml', modelName: 'm' });
  });
});

describe('ReplayOptions mapping', () => {
  it('maps a trace replay', () => {
    const run = parseCli([
      'trace.jsonl',
      '--num-workers', '8',
      '--router-mode', 'kv_router',
      '--extra-engine-args', '{"block_size": 512}',
      '--router-config', '{"router_temperature": 0.5}',
      '--report-json', 'out.json',
      '--per-request-jsonl', 'req.jsonl',
      '--trace-block-size', '512',
      '--max-sim-time-seconds', '60',
      '--arrival-speedup-ratio', '2',
    ]);
    expect(run.kind).toBe('run');
    if (run.kind !== 'run') return;
    expect(run.options).toMatchObject({
      traceFiles: ['trace.jsonl'],
      traceFormat: 'mooncake',
      traceBlockSize: 512,
      numWorkers: 8,
      routerMode: 'kv_router',
      extraEngineArgs: '{"block_size": 512}',
      routerConfig: '{"router_temperature": 0.5}',
      reportJson: 'out.json',
      reportJsonl: 'req.jsonl',
      maxSimTimeSeconds: 60,
      arrivalSpeedupRatio: 2,
      replayMode: 'offline',
    });
    expect(run.options.inputTokens).toBeUndefined();
    expect(run.extraEngineArgs?.block_size).toBe(512);
    expect(run.routerConfig?.router_temperature).toBe(0.5);
  });

  it('maps a synthetic replay with the interval default and with a request rate', () => {
    const a = prepareReplay(ns([...SYN]));
    expect(a.options).toMatchObject({ inputTokens: 100, outputTokens: 10, requestCount: 4, arrivalIntervalMs: 1.0, turnsPerSession: 1 });
    expect(a.options.traceFiles).toBeUndefined();
    const b = prepareReplay(ns([...SYN, '--request-rate', '8', '--arrival-seed', '7']));
    expect(b.options).toMatchObject({ requestRate: 8, arrivalSeed: 7 });
    expect(b.options.arrivalIntervalMs).toBeUndefined();
  });

  it('parses staged engine args as prefill/decode and applies --aic-systems-path', () => {
    const run = parseCli([
      't.jsonl',
      '--prefill-engine-args', '{"aic_systems_path": "/x"}',
      '--decode-engine-args', '{}',
      '--aic-systems-path', '/db',
    ]);
    if (run.kind !== 'run') throw new Error('expected run');
    expect(run.prefillEngineArgs?.worker_type).toBe('prefill');
    expect(run.decodeEngineArgs?.worker_type).toBe('decode');
    expect(run.prefillEngineArgs?.aic_systems_path).toBe('/db');
    expect(run.options.aicSystemsPath).toBe('/db');
  });
});
