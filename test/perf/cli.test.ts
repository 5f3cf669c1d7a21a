// `dynosim perf-model`: JSON output, usage errors (exit 2) and runtime errors (exit 1, one line).
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { perfModelMain } from '../../src/cli/perf-model.js';
import { hasSharedAic, Sink, systemsPath, testEnv } from './helpers.js';

async function run(argv: string[]) {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await perfModelMain(argv, { stdout, stderr, env: testEnv });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('dynosim perf-model', () => {
  it('prints the polynomial model for default engine args', async () => {
    const r = await run(['--prefill', '1:1000', '--decode', '4:100']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.model).toBe('polynomial');
    expect(out.num_gpu_blocks).toBe(16384);
    expect(out.num_gpu_blocks_source).toBe('default');
    expect(out.prefill).toEqual([{ batch: 1, isl: 1000, prefix: 0, ms: expect.closeTo(4.209989e-7 * 1e6 + 1.518344e-2 * 1000 + 16.50142, 9) }]);
    expect(out.decode[0]).toMatchObject({ batch: 4, context: 100 });
  });

  it.skipIf(!hasSharedAic)('reports the database model, its quant modes, the KV estimate and latencies', async () => {
    const r = await run([
      '--extra-engine-args',
      JSON.stringify({ aic_backend: 'vllm', aic_system: 'b200_sxm', aic_model_path: 'meta-llama/Meta-Llama-3.1-8B', aic_tp_size: 8 }),
      '--aic-systems-path',
      systemsPath,
      '--prefill',
      '1:1024:0',
      '--decode=1:1024',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.model).toBe('aic_database');
    expect(out.aic).toMatchObject({
      backend: 'vllm',
      system: 'b200_sxm',
      backend_version: '0.19.0',
      tp_size: 8,
      quant_modes: { gemm: 'bfloat16', kv_cache: 'bfloat16', fmha: 'bfloat16', comm: 'half' },
    });
    expect(out.num_gpu_blocks_source).toBe('estimated');
    expect(out.num_gpu_blocks).toBeGreaterThan(10000);
    expect(out.prefill[0].ms).toBeCloseTo(6.004, 2);
    expect(out.decode[0].ms).toBeCloseTo(1.939, 2);
  });

  it.skipIf(!hasSharedAic)("DeepSeek-V3 TP 8 / EP 8 answers in the dense models' JSON shape, with num_gpu_blocks and a per-op breakdown", async () => {
    const engine = { aic_backend: 'vllm', aic_system: 'h200_sxm', aic_model_path: 'deepseek-ai/DeepSeek-V3', aic_tp_size: 8, aic_moe_ep_size: 8, aic_moe_tp_size: 1 };
    const plain = await run(['--extra-engine-args', JSON.stringify(engine), '--aic-systems-path', systemsPath, '--prefill', '1:1024:0', '--decode', '32:2000']);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    const out = JSON.parse(plain.stdout);
    const dense = JSON.parse(
      (await run(['--extra-engine-args', JSON.stringify({ ...engine, aic_model_path: 'Qwen/Qwen3-32B' }), '--aic-systems-path', systemsPath, '--prefill', '1:1024:0', '--decode', '32:2000'])).stdout,
    );
    expect(Object.keys(out)).toEqual(Object.keys(dense));
    expect(Object.keys(out.prefill[0])).toEqual(['batch', 'isl', 'prefix', 'ms']);
    expect(out.num_gpu_blocks).toBe(17_609); // AIC's estimate: 1,127,011 tokens per GPU / 64
    expect(out.num_gpu_blocks_source).toBe('estimated');
    expect(out.aic).toMatchObject({ family: 'DEEPSEEK', tp_size: 8, attention_dp_size: 1, moe_tp_size: 1, moe_ep_size: 8 });
    expect(out.kv_capacity.kv_bytes_per_token).toBe(35_136);
    // AIC v0.11.0's Python walk on these tables: prefill 76.8832836816151 ms.
    expect(out.prefill[0].ms).toBeCloseTo(76.8832836816151, 9);

    const withOps = JSON.parse((await run(['--extra-engine-args', JSON.stringify(engine), '--aic-systems-path', systemsPath, '--prefill', '1:1024:0', '--decode', '32:2000', '--breakdown'])).stdout);
    const sumTop = (ops: Record<string, unknown>) => Object.values(ops).reduce<number>((a, v) => a + (typeof v === 'number' ? v : 0), 0);
    expect(sumTop(withOps.prefill[0].ops)).toBeCloseTo(out.prefill[0].ms, 9);
    expect(sumTop(withOps.decode[0].ops)).toBeCloseTo(out.decode[0].ms, 9);
    expect(withOps.decode[0].ops.overlap_groups).toHaveLength(2);
    expect(Object.keys(withOps.decode[0].ops.overlap_groups[1])).toEqual([
      'generation_shared_gate_up_gemm', 'generation_shared_act_gate', 'generation_shared_ffn2_gemm',
    ]);
    expect(withOps.prefill[0].ops.context_moe).toBeGreaterThan(withOps.prefill[0].ops.context_mla_block);

    // Attention DP 8: Dynamo's count covers the worker's 8 ranks; each rank holds one GPU's share.
    const dp = JSON.parse(
      (await run(['--extra-engine-args', JSON.stringify({ ...engine, aic_tp_size: 1, aic_attention_dp_size: 8 }), '--aic-systems-path', systemsPath])).stdout,
    );
    expect(dp.num_gpu_blocks).toBe(78_840);
    expect(dp.num_gpu_blocks_per_rank).toBe(9_855);
    expect(dp.aic).toMatchObject({ tp_size: 1, attention_dp_size: 8, moe_ep_size: 8 });
  });

  it('is reached through `dynosim perf-model`', async () => {
    const stdout = new Sink();
    const stderr = new Sink();
    const code = await main(['perf-model', '--help'], { stdout, stderr, env: testEnv });
    expect(code).toBe(0);
    expect(stdout.text).toMatch(/^usage: dynosim perf-model/);
  });

  it('usage errors exit 2 with the usage line', async () => {
    for (const argv of [['--prefill', '1:x'], ['--decode', '3'], ['--prefill', '0:10'], ['--prefill', '1:10:10'], ['--bogus'], ['--decode']]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^usage: dynosim perf-model .*\n(.|\n)*dynosim perf-model: error: .+\n$/);
    }
  });

  it('runtime errors exit 1 with one line and nothing on stdout', async () => {
    const cases: [string[], RegExp][] = [
      [['--extra-engine-args', '{"num_gpu_blocks": 0}'], /^dynosim perf-model: error: --extra-engine-args: .+\n$/],
      [['--extra-engine-args', '{"aic_backend": "vllm", "aic_model_path": "acme/x", "num_gpu_blocks": 8}'], /^dynosim perf-model: error: unknown model 'acme\/x'.+\n$/],
      [['--extra-engine-args', '{"aic_backend": "vllm", "aic_model_path": "Qwen/Qwen3-8B", "aic_system": "gb300", "num_gpu_blocks": 8}'], /unknown aic_system 'gb300'/],
      [['--extra-engine-args', '{not json'], /invalid JSON/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
