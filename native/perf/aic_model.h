// AIConfigurator-compatible forward-pass latency for dense Llama/Qwen-family models, evaluated
// over tables taken from AIC's measured perf database. Everything model- and database-specific
// (op list, quant modes, table slices, speed-of-light constants) is resolved on the TypeScript side;
// this evaluator only walks the op list and interpolates.
#pragma once
#include <cstdint>
#include <vector>

#include "grid_table.h"

namespace dynosim {

// One collected GEMM shape (n, k) and its latency curve over m (sorted by m).
struct GemmSite {
  double n = 0, k = 0;
  int32_t offset = 0, length = 0;  // into GemmTable::m / lat
};

// All collected shapes of one GEMM dtype, after the speed-of-light clamp.
struct GemmTable {
  std::vector<GemmSite> sites;
  std::vector<double> m, lat;
  // Union of every site's m-range as sorted disjoint [lo, hi] pairs (AIC prefers sites whose
  // curve covers the query m whenever any site does).
  std::vector<double> coverage;
};

struct GemmOp {
  double scale = 1;      // multiplier (layers)
  double n = 0, k = 0;
  double mem_bytes = 2;  // bytes per element of the quant mode (A, B and C alike)
  double flops = 0;      // tensor-core FLOP/s for the quant mode
  int32_t table = 0;
  int32_t site = -1;     // exact collected site, or -1: util transfer from `neighbors`
  std::vector<int32_t> neighbors;   // sites within AIC's distance gate, nearest first
  std::vector<double> neighbor_dist;
  bool per_request = false;         // logits GEMM: m = batch instead of tokens
  bool fp8_static = false;          // subtract the quantisation tables, floor at speed of light
  bool low_precision_input = false; // also subtract the static scale-matrix kernel
};

struct MemOp {
  double scale = 1;
  double bytes_per_token = 0;
};

struct AttentionSpec {
  GridTable grid;        // context: (heads, seq, batch); generation: (heads, batch, seq)
  double heads = 0;      // query heads per GPU
  double kv_heads = 0;   // KV heads per GPU
  double lookup_kv = 0;  // table's KV-head key (0: same as heads)
  double head_dim = 128;
  double window = 0;
  double kv_bytes = 2;
  double compute = 1;    // tensor-core multiplier (FMHA fp8 = 2)
  double scale = 1;      // layers (× MTP factor for generation)
  double side_ms = 0;    // per-layer constant added after the table (context: RoPE + KV write)
};

struct AllReduceSpec {
  GridTable grid;        // (message elements)
  double tp = 1;         // requested TP
  double table_tp = 1;   // TP of the table slice (capped at GPUs per node)
  double p2p_bw = 0;     // bytes/s at table_tp
  double post_scale = 1; // bandwidth rescale beyond one node
  double hidden = 0;     // message elements per token
};

struct AicPhase {
  std::vector<MemOp> mem;
  std::vector<GemmOp> gemms;
  std::vector<double> allreduce_scales;
};

struct AicModel {
  // System.
  double mem_bw = 0, mem_bw_scale = 0.8, mem_const_s = 3e-6, bf16_flops = 0;
  int32_t nextn = 0;
  AicPhase ctx, gen;
  std::vector<GemmTable> gemm_tables;
  AttentionSpec ctx_attn, gen_attn;
  bool has_allreduce = false;  // false at TP 1 (no all-reduce)
  AllReduceSpec allreduce;
  bool has_quant_tables = false;
  GridTable compute_scale, scale_matrix;  // (m, k), fp8 static activation quantisation

  // Latency of one prefill pass: `batch` requests of `new_tokens` uncached tokens after `prefix`
  // cached ones. 0 when there is nothing to compute.
  double prefill_ms(int64_t batch, int64_t new_tokens, int64_t prefix) const;
  // One decode step of `batch` requests at sequence length `context` (AIC's s = context + 1).
  double decode_ms(int64_t batch, int64_t context) const;

  // Building blocks, public for tests and the validation sweep.
  double gemm_ms(const GemmOp& op, double m) const;
  double context_attention_ms(double batch, double new_tokens, double prefix) const;
  double generation_attention_ms(double batch, double s) const;
  double allreduce_ms(double tokens) const;
  double mem_op_ms(double bytes) const { return (bytes / (mem_bw * mem_bw_scale) + mem_const_s) * 1000.0; }

  // Prepares the memo tables; call once after the fields are set.
  void finalize();

 private:
  double phase_token_ms(const AicPhase& p, double tokens, bool skip_per_request) const;
  double ctx_tokens_ms(int64_t tokens) const;
  double per_request_ms(int64_t batch) const;
  double gen_tokens_ms(int64_t batch) const;

  // Pure functions of one integer, cached lazily (NaN = not computed yet).
  mutable std::vector<double> ctx_memo_, logits_memo_, gen_memo_;
  // Recent decode results by (batch, context), direct-mapped (1 MiB).
  static constexpr int kDecodeMemoBits = 16;
  struct DecodeMemo {
    uint64_t key;
    double ms;
  };
  mutable std::vector<DecodeMemo> decode_memo_;
};

}  // namespace dynosim
