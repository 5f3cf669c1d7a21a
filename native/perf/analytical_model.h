// Built-in roofline model used when no AIC database is available: the same dense-model op list as
// the database model (GEMMs, attention, element-wise/memory ops, all-reduce), each costed from
// public GPU specs with fixed efficiency factors. Shapes, specs and efficiencies are chosen on the
// TypeScript side (src/perf/analytical.ts documents them).
#pragma once
#include <cstdint>
#include <vector>

namespace dynosim {

struct RooflineGemm {
  double scale = 1;
  double n = 0, k = 0;
  double weight_bytes = 2;   // bytes per weight element
  double act_bytes = 2;      // bytes per activation element (input and output)
  double flops = 0;          // peak tensor-core FLOP/s for the GEMM's dtype
  bool per_request = false;  // logits GEMM: m = batch
};

struct RooflineMemOp {
  double scale = 1;
  double bytes_per_token = 0;
};

struct RooflinePhase {
  std::vector<RooflineMemOp> mem;
  std::vector<RooflineGemm> gemms;
  double allreduce_scale = 0;  // sum of all-reduce op multipliers
  double attention_scale = 1;  // layers (× MTP factor for decode)
};

struct AnalyticalModel {
  // System.
  double mem_bw = 0, bf16_flops = 0;
  double mem_bw_scale = 0.8, mem_const_s = 3e-6;  // memory-bound op model (as AIC's)
  double p2p_bw = 0;                              // all-reduce link bandwidth per GPU
  // Model per GPU.
  double hidden = 0, heads = 0, kv_heads = 0, head_dim = 128, kv_bytes = 2, fmha_compute = 1, tp = 1;
  int32_t nextn = 0;
  RooflinePhase ctx, gen;
  // Efficiencies (fractions of peak) and fixed per-kernel costs (seconds).
  double gemm_compute_eff = 0.7, gemm_mem_eff = 0.8, gemm_overhead_s = 4e-6, gemm_ramp_tokens = 0;
  double ctx_attn_eff = 0.5, ctx_attn_overhead_s = 10e-6, ctx_attn_side_s = 0;
  double gen_attn_mem_eff = 0.7, gen_attn_fp8_mem_eff = 0.5, gen_attn_overhead_s = 5e-6, gen_attn_per_request_s = 0;
  double allreduce_eff = 0.7, allreduce_latency_s = 8e-6;

  double prefill_ms(int64_t batch, int64_t new_tokens, int64_t prefix) const;
  double decode_ms(int64_t batch, int64_t context) const;

  double gemm_ms(const RooflineGemm& g, double m) const;
  double allreduce_ms(double tokens) const;
};

}  // namespace dynosim
