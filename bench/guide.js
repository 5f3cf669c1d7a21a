// The user guide's planner benchmark settings (planner-dynosim-benchmarking: "Agg vs Disagg"),
// shared by the benchmarks and the acceptance tests.

/** Engine args of the guide's runs: vLLM on H200, Llama-3.1-8B FP8, TP 1. */
export const GUIDE_ENGINE_ARGS = Object.freeze({
  aic_backend: 'vllm',
  aic_system: 'h200_sxm',
  aic_model_path: 'nvidia/Llama-3.1-8B-Instruct-FP8',
  aic_tp_size: 1,
});

/** The guide's planner config (SLA TTFT 1,500 ms / ITL 50 ms), with overrides. */
export function guidePlannerConfig(overrides = {}) {
  return JSON.stringify({
    mode: 'agg',
    optimization_target: 'sla',
    ttft_ms: 1500,
    itl_ms: 50,
    enable_throughput_scaling: true,
    enable_load_scaling: true,
    pre_deployment_sweeping_mode: 'rapid',
    throughput_adjustment_interval_seconds: 300,
    load_adjustment_interval_seconds: 10,
    prefill_engine_num_gpu: 1,
    decode_engine_num_gpu: 1,
    ...overrides,
  });
}
