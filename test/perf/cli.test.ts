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
