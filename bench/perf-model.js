// Forward-pass latency model benchmarks (build first: npx node-gyp rebuild --release && npx tsc):
//   (a) the built-in analytical model against the AIC database model: prefill ISL 128…8192 and
//       decode batch 1…256 × context 500…8000, on h100_sxm and h200_sxm;
//   (b) the cost of one latency evaluation in a tight loop (evaluatePerfModel over large arrays);
//   (c) conversation-trace replay wall time with AIC args against the default polynomial model.
//   node bench/perf-model.js                 all three
//   node bench/perf-model.js --only a,b      a subset; --runs N for (c) (default 5)
// Needs ../shared/aic (and ../shared/traces for (c)); parts without their data are skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEngineArgs } from '../dist/config/engine-args.js';
import { nativeEngineConfig } from '../dist/core/engine-config.js';
import { evaluatePerfModel } from '../dist/core/native.js';
import { resolvePerfModel } from '../dist/perf/resolve.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const systems = path.resolve(root, '..', 'shared', 'aic', 'systems');
const trace = path.resolve(root, '..', 'shared', 'traces', 'mooncake_conversation_trace.jsonl');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const only = new Set(arg('--only', 'a,b,c').split(','));
const runs = Number(arg('--runs', '5'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const noCache = { ...process.env, DYNOSIM_CACHE_DIR: 'off' };

async function resolve(json, env = noCache) {
  const args = parseEngineArgs(json, '--extra-engine-args');
  const perf = await resolvePerfModel(args, { env, findPythonPackage: () => undefined });
  return { args, perf, engine: nativeEngineConfig(args, perf) };
}

function evaluate(engine, prefill, decode) {
  return evaluatePerfModel(engine, Float64Array.from(prefill.flat()), Float64Array.from(decode.flat()));
}

// ---- (a) analytical vs database ----------------------------------------------------------------

const ISLS = [128, 256, 512, 1024, 2048, 4096, 8192];
const BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const CONTEXTS = [500, 1000, 2000, 4000, 8000];
const MODELS = [
  { name: 'Llama-3.1-8B BF16, TP1', model: 'meta-llama/Meta-Llama-3.1-8B', tp: 1 },
  { name: 'Llama-3.1-8B FP8, TP1', model: 'nvidia/Llama-3.1-8B-Instruct-FP8', tp: 1 },
  { name: 'Qwen3-32B BF16, TP2', model: 'Qwen/Qwen3-32B', tp: 2 },
  { name: 'Llama-3.1-70B BF16, TP4', model: 'meta-llama/Meta-Llama-3.1-70B', tp: 4 },
];

async function compareAnalytical() {
  console.log('\n(a) built-in analytical model vs AIC database model (vLLM default version, batch-1 prefill, one decode step)');
  const prefill = ISLS.map((isl) => [1, isl, 0]);
  const decode = BATCHES.flatMap((b) => CONTEXTS.map((c) => [b, c]));
  const all = [];
  const rows = [];
  for (const system of ['h100_sxm', 'h200_sxm']) {
    const perSystem = [];
    for (const m of MODELS) {
      const json = { aic_backend: 'vllm', aic_system: system, aic_model_path: m.model, aic_tp_size: m.tp, num_gpu_blocks: 1000 };
      const db = await resolve({ ...json, aic_systems_path: systems });
      const an = await resolve(json);
      const d = evaluate(db.engine, prefill, decode);
      const a = evaluate(an.engine, prefill, decode);
      const errP = [...d.prefillMs].map((v, i) => Math.abs(a.prefillMs[i] - v) / v);
      const errD = [...d.decodeMs].map((v, i) => Math.abs(a.decodeMs[i] - v) / v);
      const errs = [...errP, ...errD];
      perSystem.push(...errs);
      all.push(...errs);
      rows.push({
        system,
        model: m.name,
        'prefill median': pct(median(errP)),
        'prefill worst': pct(Math.max(...errP)),
        'decode median': pct(median(errD)),
        'decode worst': pct(Math.max(...errD)),
        'db 1k prefill ms': d.prefillMs[3].toFixed(2),
        'an 1k prefill ms': a.prefillMs[3].toFixed(2),
        'db b64 c2k ms': d.decodeMs[6 * CONTEXTS.length + 2].toFixed(2),
        'an b64 c2k ms': a.decodeMs[6 * CONTEXTS.length + 2].toFixed(2),
      });
    }
    rows.push({ system, model: '(all models)', 'prefill median': '', 'prefill worst': '', 'decode median': `all points: median ${pct(median(perSystem))}`, 'decode worst': `worst ${pct(Math.max(...perSystem))}` });
  }
  console.table(rows);
  console.log(`overall: ${all.length} points, median absolute error ${pct(median(all))}, worst ${pct(Math.max(...all))} (target: ≤ 15% / ≤ 35%)`);
}

// ---- (b) evaluation cost -----------------------------------------------------------------------

async function evaluationCost() {
  console.log('\n(b) ns per latency evaluation (evaluatePerfModel over 2,000,000 points, after a warm-up pass)');
  const N = 2_000_000;
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const configs = [['polynomial', { num_gpu_blocks: 16384 }]];
  if (existsSync(systems)) {
    const aic = { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_tp_size: 1, num_gpu_blocks: 16384 };
    configs.push(['AIC database (h200, FP8 8B)', { ...aic, aic_systems_path: systems }], ['analytical (h200, FP8 8B)', aic]);
    const moe = { ...aic, aic_systems_path: systems, aic_moe_tp_size: 1 };
    configs.push(
      ['AIC database (h200, Qwen3-30B-A3B, EP 1)', { ...moe, aic_model_path: 'Qwen/Qwen3-30B-A3B', aic_moe_ep_size: 1 }],
      ['AIC database (h200, DeepSeek-V3, TP 8 / EP 8)', { ...moe, aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_tp_size: 8, aic_moe_ep_size: 8 }],
      ['AIC database (h200, DeepSeek-V3, attention DP 8 / EP 8)', { ...moe, aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_attention_dp_size: 8, aic_moe_ep_size: 8 }],
    );
  }
  // Distinct decode points never repeat a (batch, context) pair, so no evaluation is answered
  // from the model's cache of recent results: once with contexts growing as in a run, once in a
  // random order (the worst case for caches and branch prediction). "Replay-like" points repeat as
  // a replay's do.
  const prefill = new Float64Array(3 * N);
  const distinct = new Float64Array(2 * N);
  const shuffled = new Float64Array(2 * N);
  const repeated = new Float64Array(2 * N);
  const order = new Uint32Array(N).map((_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let i = 0; i < N; i++) {
    const b = 1 + Math.floor(rnd() * 16);
    const isl = 16 + Math.floor(rnd() * (8192 / b));
    const prefix = Math.floor(rnd() * 4 * isl);
    prefill.set([b, isl + prefix, prefix], 3 * i);
    distinct.set([1 + (i % 256), 100 + Math.floor(i / 256)], 2 * i);
    shuffled.set([1 + (order[i] % 256), 100 + Math.floor(order[i] / 256)], 2 * i);
    repeated.set([1 + Math.floor(rnd() * 64), 500 + Math.floor(rnd() * 4000)], 2 * i);
  }
  const none = new Float64Array(0);
  const time = (engine, p, d) => {
    evaluatePerfModel(engine, p.subarray(0, 30000), d.subarray(0, 20000));
    const t0 = process.hrtime.bigint();
    evaluatePerfModel(engine, p, d);
    return Number(process.hrtime.bigint() - t0) / N;
  };
  const rows = [];
  for (const [name, json] of configs) {
    const { engine } = await resolve(json);
    rows.push({
      model: name,
      'prefill ns': time(engine, prefill, none).toFixed(0),
      'decode ns (distinct points)': time(engine, none, distinct).toFixed(0),
      'decode ns (distinct, random order)': time(engine, none, shuffled).toFixed(0),
      'decode ns (replay-like repeats)': time(engine, none, repeated).toFixed(0),
    });
  }
  console.table(rows);
}

// ---- (c) replay wall time ----------------------------------------------------------------------

function replayOnce(options, env) {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, [path.join(root, 'bench', 'replay-once.js'), JSON.stringify(options)], {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 20,
  });
  const wall = performance.now() - t0;
  if (child.status !== 0) throw new Error(`replay failed: ${child.stderr}`);
  return { wall, ...JSON.parse(child.stdout.trim().split('\n').pop()) };
}

function replayCost() {
  if (!existsSync(trace) || !existsSync(systems)) {
    console.log(`\n(c) skipped: ${trace} or ${systems} not found`);
    return;
  }
  console.log(`\n(c) conversation trace, 8 workers, round robin: wall time with AIC args vs the polynomial model (median of ${runs}, separate processes)`);
  const base = { traceFiles: [trace], numWorkers: 8 };
  const aic = {
    ...base,
    extraEngineArgs: { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8', aic_tp_size: 1, aic_systems_path: systems },
  };
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'dynosim-bench-cache-'));
  const warmEnv = { ...process.env, DYNOSIM_CACHE_DIR: cacheDir };
  try {
    replayOnce(aic, warmEnv); // fills the model cache
    const results = { poly: [], aicWarm: [], aicCold: [] };
    let last = {};
    for (let i = 0; i < runs; i++) {
      results.poly.push((last.poly = replayOnce(base, noCache)));
      results.aicWarm.push((last.aicWarm = replayOnce(aic, warmEnv)));
      results.aicCold.push((last.aicCold = replayOnce(aic, noCache)));
    }
    const row = (name, list) => ({
      case: name,
      'end-to-end ms': median(list.map((r) => r.wall)).toFixed(0),
      'in-process ms': median(list.map((r) => r.wallMs)).toFixed(0),
      'forward passes': list[0].passes,
      'simulated s': (list[0].simMs / 1000).toFixed(0),
    });
    const poly = median(results.poly.map((r) => r.wallMs));
    console.table([
      row('polynomial', results.poly),
      row('AIC database, model cache warm', results.aicWarm),
      row('AIC database, no model cache (parses the tables)', results.aicCold),
    ]);
    console.log(
      `in-process slowdown vs polynomial: warm ${(median(results.aicWarm.map((r) => r.wallMs)) / poly).toFixed(2)}×, ` +
        `cold ${(median(results.aicCold.map((r) => r.wallMs)) / poly).toFixed(2)}× (target ≤ 1.5×); ` +
        `the AIC run simulates ${(results.aicWarm[0].passes / results.poly[0].passes).toFixed(2)}× as many forward passes`,
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (only.has('a')) {
  if (existsSync(systems)) await compareAnalytical();
  else console.log(`\n(a) skipped: ${systems} not found`);
}
if (only.has('b')) await evaluationCost();
if (only.has('c')) replayCost();
