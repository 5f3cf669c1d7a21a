#include "analytical_model.h"

#include <algorithm>
#include <cmath>

namespace dynosim {

double AnalyticalModel::gemm_ms(const RooflineGemm& g, double m) const {
  // Compute efficiency ramps up with m (a few rows cannot fill every SM), memory efficiency is flat.
  const double eff_c = gemm_ramp_tokens > 0 ? gemm_compute_eff * m / (m + gemm_ramp_tokens) : gemm_compute_eff;
  const double t_math = 2.0 * m * g.n * g.k / (g.flops * eff_c);
  const double bytes = g.weight_bytes * g.n * g.k + g.act_bytes * (m * g.k + m * g.n);
  const double t_mem = bytes / (mem_bw * gemm_mem_eff);
  return (std::max(t_math, t_mem) + gemm_overhead_s) * 1000.0 * g.scale;
}

double AnalyticalModel::allreduce_ms(double tokens) const {
  if (tp <= 1) return 0.0;
  const double bytes = tokens * hidden * 2.0;
  return (allreduce_latency_s + 2.0 * bytes * (tp - 1.0) / tp / (p2p_bw * allreduce_eff)) * 1000.0;
}

double AnalyticalModel::prefill_ms(int64_t batch, int64_t new_tokens, int64_t prefix) const {
  if (batch <= 0 || new_tokens <= 0) return 0.0;
  const double b = static_cast<double>(batch), s = static_cast<double>(new_tokens);
  const double p = static_cast<double>(std::max<int64_t>(0, prefix));
  const double x = b * s;
  double total = 0;
  for (const RooflineMemOp& op : ctx.mem)
    total += (op.bytes_per_token * x / (mem_bw * mem_bw_scale) + mem_const_s) * 1000.0 * op.scale;
  for (const RooflineGemm& g : ctx.gemms) total += gemm_ms(g, g.per_request ? b : x);
  // Causal attention over the new tokens against prefix + new keys.
  const double full = s + p;
  const double flops = 2.0 * b * (full * full - p * p) * heads * head_dim * 2.0 / 2.0;
  const double bytes = b * (2.0 * heads * s * head_dim * 2.0 + kv_bytes * 2.0 * kv_heads * full * head_dim);
  const double t_attn = std::max(flops / (bf16_flops * fmha_compute * ctx_attn_eff), bytes / (mem_bw * gemm_mem_eff));
  total += (t_attn + ctx_attn_overhead_s + ctx_attn_side_s) * 1000.0 * ctx.attention_scale;
  total += allreduce_ms(x) * ctx.allreduce_scale;
  return std::isfinite(total) ? std::max(0.0, total) : 0.0;
}

double AnalyticalModel::decode_ms(int64_t batch, int64_t context) const {
  if (batch <= 0) return 0.0;
  const double bb = static_cast<double>(batch * (nextn + 1));
  const double kv_len = static_cast<double>(std::max<int64_t>(0, context));
  double total = 0;
  for (const RooflineMemOp& op : gen.mem)
    total += (op.bytes_per_token * bb / (mem_bw * mem_bw_scale) + mem_const_s) * 1000.0 * op.scale;
  for (const RooflineGemm& g : gen.gemms) total += gemm_ms(g, bb);
  // Decode attention reads every cached key and value once per step.
  const double bytes = bb * (2.0 * kv_heads * kv_len * head_dim * kv_bytes + 2.0 * heads * head_dim * 2.0);
  const double flops = 2.0 * bb * heads * head_dim * 2.0 * kv_len;
  // An FP8 KV cache halves the bytes but is dequantised on the fly: it gets its own efficiency.
  const double eff = kv_bytes < 2 ? gen_attn_fp8_mem_eff : gen_attn_mem_eff;
  const double t_attn = std::max(bytes / (mem_bw * eff), flops / (bf16_flops * fmha_compute * ctx_attn_eff));
  total += (t_attn + gen_attn_overhead_s + gen_attn_per_request_s * bb) * 1000.0 * gen.attention_scale;
  total += allreduce_ms(bb) * gen.allreduce_scale;
  return std::isfinite(total) ? total : 0.0;
}

}  // namespace dynosim
