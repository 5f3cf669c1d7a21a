// The `dynosim` command line, with the semantics of the reference's Python argparse parser
// (`python -m dynamo.replay`): `--flag value` and `--flag=value`, unambiguous prefixes of long
// flags, `-h/--help`, argparse's error wording (`UsageError`, exit 2); the cross-flag checks that follow are in
// prepare-replay.ts.

import type { AicSelection } from '../config/engine-args.js';
import { UsageError } from '../errors.js';
import { TRACE_FORMATS, TRACE_FORMAT_ALIASES } from '../options.js';
import { prepareReplay, type PreparedReplay } from './prepare-replay.js';

export const PROG = 'dynosim';
export const USAGE = `usage: ${PROG} [-h] [options] [trace_files ...]`;

// ---- the flag table -----------------------------------------------------------------------------

type ValueKind = 'str' | 'int' | 'float';

interface FlagSpec {
  /** Option strings; the first is the canonical one. */
  flags: readonly string[];
  dest: keyof CliNamespace;
  kind: ValueKind;
  choices?: readonly string[];
  metavar?: string;
  help: string;
}

export { TRACE_FORMATS } from '../options.js';
export const ROUTER_MODES = ['round_robin', 'kv_router'] as const;
export const REPLAY_MODES = ['offline', 'online'] as const;

/** Parsed command line, one field per flag (argparse `dest` names; the `--aic-*` flags share the
 * engine JSON's). `null` = not given, no default. */
export interface CliNamespace extends AicSelection {
  trace_files: string[];
  extra_engine_args: string | null;
  prefill_engine_args: string | null;
  decode_engine_args: string | null;
  router_config: string | null;
  router_policy_config: string | null;
  model_name: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  request_count: number | null;
  request_rate: number | null;
  arrival_interval_ms: number | null;
  arrival_seed: number;
  workload_seed: number | null;
  router_seed: number | null;
  turns_per_session: number;
  shared_prefix_ratio: number;
  num_prefix_groups: number;
  inter_turn_delay_ms: number;
  num_workers: number;
  num_prefill_workers: number;
  num_decode_workers: number;
  replay_concurrency: number | null;
  replay_mode: string;
  router_mode: string;
  arrival_speedup_ratio: number;
  trace_format: string;
  trace_block_size: number | null;
  trace_shared_prefix_ratio: number;
  trace_num_prefix_groups: number;
  agentic_lanes: number | null;
  report_json: string | null;
  report_jsonl: string | null;
  planner_config: string | null;
  benchmark_granularity: number;
  max_sim_time_seconds: number | null;
  sla_ttft_ms: number | null;
  sla_itl_ms: number | null;
  sla_e2e_ms: number | null;
}

const FLAGS: readonly FlagSpec[] = [
  { flags: ['--extra-engine-args'], dest: 'extra_engine_args', kind: 'str', help: 'aggregated engine args (MockEngineArgs JSON)' },
  { flags: ['--prefill-engine-args'], dest: 'prefill_engine_args', kind: 'str', help: 'disaggregated prefill engine args (JSON; worker_type defaults to prefill)' },
  { flags: ['--decode-engine-args'], dest: 'decode_engine_args', kind: 'str', help: 'disaggregated decode engine args (JSON; worker_type defaults to decode)' },
  { flags: ['--router-config'], dest: 'router_config', kind: 'str', help: 'KV router config (KvRouterConfig JSON)' },
  { flags: ['--router-policy-config'], dest: 'router_policy_config', kind: 'str', help: 'startup-only policy-family and cache-bucket queue YAML path (default: env DYN_ROUTER_POLICY_CONFIG)' },
  { flags: ['--model-name'], dest: 'model_name', kind: 'str', help: 'model profile to select from --router-policy-config' },
  { flags: ['--aic-backend'], dest: 'aic_backend', kind: 'str', help: 'router-side AIC prefill-load estimator backend (vllm, sglang, trtllm)' },
  { flags: ['--aic-system'], dest: 'aic_system', kind: 'str', help: 'GPU system for the router-side AIC estimator, e.g. h200_sxm' },
  { flags: ['--aic-systems-path'], dest: 'aic_systems_path', kind: 'str', help: 'AIC systems/performance-database root; overrides aic_systems_path in every engine JSON' },
  { flags: ['--aic-backend-version'], dest: 'aic_backend_version', kind: 'str', help: 'AIC backend version (newest complete one when unset)' },
  { flags: ['--aic-tp-size'], dest: 'aic_tp_size', kind: 'int', help: 'tensor-parallel size (default 1)' },
  { flags: ['--aic-model-path'], dest: 'aic_model_path', kind: 'str', help: 'HF model id for the router-side AIC estimator' },
  { flags: ['--aic-moe-tp-size'], dest: 'aic_moe_tp_size', kind: 'int', help: 'MoE tensor-parallel size' },
  { flags: ['--aic-moe-ep-size'], dest: 'aic_moe_ep_size', kind: 'int', help: 'MoE expert-parallel size' },
  { flags: ['--aic-attention-dp-size'], dest: 'aic_attention_dp_size', kind: 'int', help: 'attention data-parallel size' },
  { flags: ['--aic-gemm-dtype'], dest: 'aic_gemm_dtype', kind: 'str', help: "dense-GEMM quant mode, e.g. fp8, fp8_block, int4, nvfp4; 'auto' = model default" },
  { flags: ['--aic-moe-dtype'], dest: 'aic_moe_dtype', kind: 'str', help: "MoE quant mode; 'auto' = model default" },
  { flags: ['--aic-fmha-dtype'], dest: 'aic_fmha_dtype', kind: 'str', help: "attention (FMHA) quant mode; 'auto' = model default" },
  { flags: ['--aic-kv-cache-dtype'], dest: 'aic_kv_cache_dtype', kind: 'str', help: "KV-cache quant mode; 'auto' = model default" },
  { flags: ['--aic-comm-dtype'], dest: 'aic_comm_dtype', kind: 'str', help: "collective-communication quant mode; 'auto' = model default" },
  { flags: ['--aic-nextn'], dest: 'aic_nextn', kind: 'int', help: 'speculative (MTP) draft depth' },
  { flags: ['--aic-nextn-accept-rates'], dest: 'aic_nextn_accept_rates', kind: 'str', help: 'conditional draft accept rates, comma-separated' },
  { flags: ['--input-tokens'], dest: 'input_tokens', kind: 'int', help: 'synthetic input length (tokens)' },
  { flags: ['--output-tokens'], dest: 'output_tokens', kind: 'int', help: 'synthetic output length (tokens)' },
  { flags: ['--request-count'], dest: 'request_count', kind: 'int', help: 'number of synthetic requests; when --turns-per-session > 1, the number of sessions' },
  { flags: ['--request-rate'], dest: 'request_rate', kind: 'float', help: 'Poisson open-loop request rate in requests per second (synthetic replay)' },
  { flags: ['--arrival-interval-ms'], dest: 'arrival_interval_ms', kind: 'float', help: 'fixed open-loop interval between synthetic requests in ms (default 1.0; 0 = burst)' },
  { flags: ['--arrival-seed'], dest: 'arrival_seed', kind: 'int', help: 'seed for synthetic Poisson arrivals (default 42)' },
  { flags: ['--workload-seed'], dest: 'workload_seed', kind: 'int', help: 'seed of the synthetic prefix-group draws (default 42, as the reference)' },
  { flags: ['--router-seed'], dest: 'router_seed', kind: 'int', help: 'seed of the routers\' random choices (default 42; the decode pool uses seed + 1)' },
  { flags: ['--turns-per-session'], dest: 'turns_per_session', kind: 'int', help: 'synthetic turns per session (default 1)' },
  { flags: ['--shared-prefix-ratio'], dest: 'shared_prefix_ratio', kind: 'float', help: 'fraction of prompt blocks shared within a prefix group (default 0.0)' },
  { flags: ['--num-prefix-groups'], dest: 'num_prefix_groups', kind: 'int', help: 'synthetic prefix groups (default 0 = no grouping)' },
  { flags: ['--inter-turn-delay-ms'], dest: 'inter_turn_delay_ms', kind: 'float', help: 'delay after a turn completes before the next is eligible (default 0.0)' },
  { flags: ['--num-workers'], dest: 'num_workers', kind: 'int', help: 'aggregated workers (default 1)' },
  { flags: ['--num-prefill-workers'], dest: 'num_prefill_workers', kind: 'int', help: 'disaggregated prefill workers (default 1)' },
  { flags: ['--num-decode-workers'], dest: 'num_decode_workers', kind: 'int', help: 'disaggregated decode workers (default 1)' },
  { flags: ['--replay-concurrency'], dest: 'replay_concurrency', kind: 'int', help: 'closed-loop cap on requests in flight (ignores first-turn timestamps)' },
  { flags: ['--replay-mode'], dest: 'replay_mode', kind: 'str', choices: REPLAY_MODES, help: 'offline (default); online needs a live Dynamo runtime and is not supported' },
  { flags: ['--router-mode'], dest: 'router_mode', kind: 'str', choices: ROUTER_MODES, help: 'request placement (default round_robin)' },
  { flags: ['--arrival-speedup-ratio'], dest: 'arrival_speedup_ratio', kind: 'float', help: 'divides trace arrival times and inter-turn delays (default 1.0)' },
  { flags: ['--trace-format'], dest: 'trace_format', kind: 'str', choices: [...TRACE_FORMATS, ...Object.keys(TRACE_FORMAT_ALIASES)], help: 'trace file format (default mooncake; mooncake_delta is an alias of mooncake-delta)' },
  { flags: ['--trace-block-size'], dest: 'trace_block_size', kind: 'int', help: 'tokens per trace hash_id (default 512)' },
  { flags: ['--trace-shared-prefix-ratio'], dest: 'trace_shared_prefix_ratio', kind: 'float', help: 'applied_compute_agentic only: shared initial-prompt fraction' },
  { flags: ['--trace-num-prefix-groups'], dest: 'trace_num_prefix_groups', kind: 'int', help: 'applied_compute_agentic only: cross-session prefix groups' },
  { flags: ['--agentic-lanes'], dest: 'agentic_lanes', kind: 'int', help: 'agentic_mooncake v2 and dynamo agent sessions: run the plays one after another in this many lanes' },
  { flags: ['--report-json'], dest: 'report_json', kind: 'str', help: 'path of the full report JSON (default: ./dynamo_replay_report_<timestamp>.json)' },
  { flags: ['--report-jsonl', '--per-request-jsonl'], dest: 'report_jsonl', kind: 'str', help: 'path of a per-request JSONL (trace-file replay only)' },
  { flags: ['--planner-config'], dest: 'planner_config', kind: 'str', help: 'planner config (YAML/JSON path or inline JSON): enables planner-in-the-loop replay' },
  { flags: ['--benchmark-granularity'], dest: 'benchmark_granularity', kind: 'int', help: 'AIC sweep points for the planner bootstrap (default 8)' },
  { flags: ['--max-sim-time-seconds'], dest: 'max_sim_time_seconds', kind: 'float', help: 'stop the simulated clock here; in-flight requests stay incomplete' },
  { flags: ['--sla-ttft-ms'], dest: 'sla_ttft_ms', kind: 'float', help: 'goodput SLA: max time to first token (ms)' },
  { flags: ['--sla-itl-ms'], dest: 'sla_itl_ms', kind: 'float', help: 'goodput SLA: max average inter-token latency (ms)' },
  { flags: ['--sla-e2e-ms'], dest: 'sla_e2e_ms', kind: 'float', help: 'goodput SLA: max end-to-end latency (ms); instead of ttft/itl' },
];

const HELP_FLAGS = ['-h', '--help'] as const;

function defaults(env: Record<string, string | undefined>): CliNamespace {
  return {
    trace_files: [],
    extra_engine_args: null,
    prefill_engine_args: null,
    decode_engine_args: null,
    router_config: null,
    router_policy_config: env.DYN_ROUTER_POLICY_CONFIG ?? null,
    model_name: null,
    aic_backend: null,
    aic_system: null,
    aic_systems_path: null,
    aic_backend_version: null,
    aic_tp_size: null,
    aic_model_path: null,
    aic_moe_tp_size: null,
    aic_moe_ep_size: null,
    aic_attention_dp_size: null,
    aic_gemm_dtype: null,
    aic_moe_dtype: null,
    aic_fmha_dtype: null,
    aic_kv_cache_dtype: null,
    aic_comm_dtype: null,
    aic_nextn: null,
    aic_nextn_accept_rates: null,
    input_tokens: null,
    output_tokens: null,
    request_count: null,
    request_rate: null,
    arrival_interval_ms: null,
    arrival_seed: 42,
    workload_seed: null,
    router_seed: null,
    turns_per_session: 1,
    shared_prefix_ratio: 0.0,
    num_prefix_groups: 0,
    inter_turn_delay_ms: 0.0,
    num_workers: 1,
    num_prefill_workers: 1,
    num_decode_workers: 1,
    replay_concurrency: null,
    replay_mode: 'offline',
    router_mode: 'round_robin',
    arrival_speedup_ratio: 1.0,
    trace_format: 'mooncake',
    trace_block_size: null,
    trace_shared_prefix_ratio: 0.0,
    trace_num_prefix_groups: 0,
    agentic_lanes: null,
    report_json: null,
    report_jsonl: null,
    planner_config: null,
    benchmark_granularity: 8,
    max_sim_time_seconds: null,
    sla_ttft_ms: null,
    sla_itl_ms: null,
    sla_e2e_ms: null,
  };
}

// ---- Python value conversions -------------------------------------------------------------------

/** Python `repr()` of a str, as argparse prints offending values. */
export function pyRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** Python `int(str)`: optional sign, decimal digits with single underscores, surrounding whitespace. */
export function parsePyInt(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** Python `float(str)`: decimal/exponent forms, `inf`/`infinity`/`nan` in any case, underscores. */
export function parsePyFloat(text: string): number | undefined {
  const t = text.trim();
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  const digits = String.raw`\d(?:_?\d)*`;
  const re = new RegExp(String.raw`^[+-]?(?:${digits}(?:\.(?:${digits})?)?|\.${digits})(?:[eE][+-]?${digits})?$`);
  if (!re.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

// ---- argparse-style parsing ---------------------------------------------------------------------

export type ParsedArgs = { kind: 'help'; text: string } | { kind: 'args'; namespace: CliNamespace };

interface Classified {
  raw: string;
  positional: boolean;
  spec?: FlagSpec | 'help';
  explicit?: string;
}

const OPTION_TABLE: ReadonlyMap<string, FlagSpec | 'help'> = new Map<string, FlagSpec | 'help'>([
  ...HELP_FLAGS.map((f) => [f, 'help'] as const),
  ...FLAGS.flatMap((spec) => spec.flags.map((f) => [f, spec] as const)),
]);

function actionName(spec: FlagSpec | 'help'): string {
  return spec === 'help' ? HELP_FLAGS.join('/') : spec.flags.join('/');
}

function classify(arg: string): Classified {
  if (arg === '' || !arg.startsWith('-')) return { raw: arg, positional: true };
  const exact = OPTION_TABLE.get(arg);
  if (exact) return { raw: arg, positional: false, spec: exact };
  if (arg.length === 1) return { raw: arg, positional: true };
  const eq = arg.indexOf('=');
  if (eq >= 0) {
    const named = OPTION_TABLE.get(arg.slice(0, eq));
    if (named) return { raw: arg, positional: false, spec: named, explicit: arg.slice(eq + 1) };
  }
  // Unambiguous prefixes of long options (argparse allow_abbrev).
  const matches: { flag: string; explicit?: string }[] = [];
  if (arg.startsWith('--')) {
    const prefix = eq >= 0 ? arg.slice(0, eq) : arg;
    const explicit = eq >= 0 ? arg.slice(eq + 1) : undefined;
    for (const flag of OPTION_TABLE.keys()) {
      if (flag.startsWith(prefix)) matches.push(explicit === undefined ? { flag } : { flag, explicit });
    }
  } else if (arg.startsWith('-h')) {
    matches.push({ flag: '-h', explicit: arg.slice(2) });
  }
  if (matches.length > 1) {
    throw new UsageError(`ambiguous option: ${arg} could match ${matches.map((m) => m.flag).join(', ')}`);
  }
  if (matches.length === 1) {
    const m = matches[0]!;
    return { raw: arg, positional: false, spec: OPTION_TABLE.get(m.flag)!, ...(m.explicit === undefined ? {} : { explicit: m.explicit }) };
  }
  if (/^-\d+$|^-\d*\.\d+$/.test(arg)) return { raw: arg, positional: true };
  if (arg.includes(' ')) return { raw: arg, positional: true };
  return { raw: arg, positional: false };
}

function convert(spec: FlagSpec, value: string): string | number {
  let converted: string | number = value;
  if (spec.kind === 'int') {
    const n = parsePyInt(value);
    if (n === undefined) throw new UsageError(`argument ${actionName(spec)}: invalid int value: ${pyRepr(value)}`);
    converted = n;
  } else if (spec.kind === 'float') {
    const n = parsePyFloat(value);
    if (n === undefined) throw new UsageError(`argument ${actionName(spec)}: invalid float value: ${pyRepr(value)}`);
    converted = n;
  }
  if (spec.choices && !spec.choices.includes(String(converted))) {
    const choices = spec.choices.map((c) => pyRepr(c)).join(', ');
    throw new UsageError(`argument ${actionName(spec)}: invalid choice: ${pyRepr(value)} (choose from ${choices})`);
  }
  return converted;
}

/**
 * Parses argv the way argparse would: returns the namespace, or the help text when `-h/--help`
 * is reached. Throws `UsageError` with argparse's messages.
 */
export function parseArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): ParsedArgs {
  // `--` ends option parsing: everything after it is positional.
  const dashdash = argv.indexOf('--');
  const before = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const after = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const items: Classified[] = [...before.map(classify), ...after.map((raw) => ({ raw, positional: true }))];

  const ns = defaults(env);
  const extras: string[] = [];
  let positionalsTaken = false;
  let i = 0;
  while (i < items.length) {
    const item = items[i]!;
    if (item.positional) {
      let j = i;
      const run: string[] = [];
      while (j < items.length && items[j]!.positional) run.push(items[j++]!.raw);
      if (!positionalsTaken) {
        ns.trace_files = run;
        positionalsTaken = true;
      } else {
        extras.push(...run);
      }
      i = j;
      continue;
    }
    if (item.spec === undefined) {
      extras.push(item.raw);
      i += 1;
      continue;
    }
    if (item.spec === 'help') {
      if (item.explicit !== undefined) {
        throw new UsageError(`argument ${actionName('help')}: ignored explicit argument ${pyRepr(item.explicit)}`);
      }
      return { kind: 'help', text: helpText() };
    }
    let value: string;
    if (item.explicit !== undefined) {
      value = item.explicit;
      i += 1;
    } else {
      const next = items[i + 1];
      if (next === undefined || !next.positional) throw new UsageError(`argument ${actionName(item.spec)}: expected one argument`);
      value = next.raw;
      i += 2;
    }
    (ns as unknown as Record<string, unknown>)[item.spec.dest] = convert(item.spec, value);
  }
  if (extras.length > 0) throw new UsageError(`unrecognized arguments: ${extras.join(' ')}`);
  return { kind: 'args', namespace: ns };
}

/** The subcommands `dynosim <name> ...` runs instead of a replay, as `--help` lists them. */
export const SUBCOMMANDS: ReadonlyArray<readonly [string, string]> = [
  ['sweep', 'run a study of many replays from a spec: dynosim sweep SPEC (see dynosim sweep --help)'],
  ['compare', 'compare runs side by side: dynosim compare REPORT.json... (see dynosim compare --help)'],
  ['perf-model', 'print the forward-pass latency model an engine-args JSON resolves to (see dynosim perf-model --help)'],
];

export function helpText(): string {
  const lines = [USAGE, '', 'Offline trace replay of LLM serving (a drop-in for `python -m dynamo.replay`).', ''];
  lines.push('subcommands:');
  for (const [name, help] of SUBCOMMANDS) lines.push(`  ${name.padEnd(22)}${help}`);
  lines.push('');
  lines.push('positional arguments:', '  trace_files           trace file(s): one (mooncake, mooncake-delta, agentic_mooncake, applied_compute_agentic) or several dynamo shards (JSONL or JSONL.GZ)', '', 'options:');
  const entry = (names: string, help: string) => {
    const head = `  ${names}`;
    if (head.length <= 22) lines.push(`${head.padEnd(24)}${help}`);
    else lines.push(head, `${' '.repeat(24)}${help}`);
  };
  entry('-h, --help', 'show this help message and exit');
  for (const spec of FLAGS) {
    const metavar = spec.choices ? `{${spec.choices.join(',')}}` : (spec.metavar ?? String(spec.dest).toUpperCase());
    entry(spec.flags.map((f) => `${f} ${metavar}`).join(', '), spec.help);
  }
  return lines.join('\n') + '\n';
}

// ---- §1.1 cross-flag checks ----------------------------------------------------------------------

/** Whether `name` (without dashes) is one of the replay's long flags. */
export function isReplayFlag(name: string): boolean {
  const spec = OPTION_TABLE.get(`--${name}`);
  return spec !== undefined && spec !== 'help';
}

/** argv → help text, or the prepared replay. */
export function parseCli(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): { kind: 'help'; text: string } | ({ kind: 'run' } & PreparedReplay) {
  const parsed = parseArgs(argv, env);
  if (parsed.kind === 'help') return parsed;
  return { kind: 'run', ...prepareReplay(parsed.namespace) };
}
