// Speed-of-light formulas of AIC's MoE and MLA-module ops (aiconfigurator v0.11.0
// operations/moe.py MoE get_sol, operations/mla.py MLAModule get_sol), used to hold utilisation
// beyond a table's collected range. Pure arithmetic, in AIC's order of operations.
#pragma once
#include <algorithm>
#include <cmath>

#include "aic_model.h"

namespace dynosim {
namespace aic_sol {

// Python's floor division of two non-negative integers held in doubles.
inline double floordiv(double a, double b) {
  double q = std::floor(a / b);
  if (q * b > a) q -= 1.0;
  else if ((q + 1.0) * b <= a) q += 1.0;
  return q;
}

// AIC's MoE speed of light (MoE._query_moe_table get_sol): gated GEMMs over the routed tokens, the
// integer divisions as AIC does them.
inline double moe_sol(const MoeOp& op, double mem_bw, double tokens) {
  const double total = tokens * op.topk;
  const double ops = floordiv(floordiv(total * op.hidden * op.inter * op.gemms * 2.0, op.moe_ep), op.moe_tp);
  const double per_ep = floordiv(total, op.moe_ep);
  const double mem = op.mem_bytes * (per_ep * op.hidden * 2.0 + floordiv(per_ep * op.inter * op.gemms, op.moe_tp) +
                                     floordiv(op.hidden * op.inter * op.gemms, op.moe_tp) *
                                         std::min(floordiv(op.experts, op.moe_ep), per_ep));
  return std::max(ops / op.flops * 1000.0, mem / mem_bw * 1000.0);
}

// MLAModule speed of light, context (table samples are prefix 0): coords (heads, seq, batch).
inline double mla_ctx_sol(const MlaSpec& m, double mem_bw, double bf16_flops, const double* c) {
  const double n = c[0], s = c[1], b = c[2];
  const double ops = b * n * 2.0 / 2.0 * (192.0 + 128.0) * (s * s);
  const double mem = b * n * (m.kv_bytes * s * (192.0 + 128.0) + 2.0 * s * (192.0 + 128.0));
  return std::max(ops / bf16_flops * 1000.0 / m.fmha_compute, mem / mem_bw * 1000.0);
}

// MLAModule speed of light, generation (attention plus the two BMMs): coords (heads, batch, seq).
inline double mla_gen_sol(const MlaSpec& m, double mem_bw, double bf16_flops, const double* c) {
  const double n = c[0], b = c[1], s = c[2];
  const double attn_compute = m.kv_bytes < 2 ? 2.0 : 1.0;  // FMHA fp8 with an fp8 KV cache
  double math = 2.0 * b * n * 1088.0 * s / bf16_flops * 1000.0 / attn_compute;
  double mem = b * (n * 1088.0 * 2.0 + (s - 1.0) * 576.0 * m.kv_bytes) / mem_bw * 1000.0;
  math += 2.0 * 2.0 * b * n * 128.0 * 512.0 / (bf16_flops * m.gemm_compute) * 1000.0;
  mem += 2.0 * n * (b * 640.0 + 128.0 * 512.0) * m.gemm_bytes / mem_bw * 1000.0;
  return std::max(math, mem);
}

}  // namespace aic_sol
}  // namespace dynosim
