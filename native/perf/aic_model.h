// AIConfigurator-compatible forward-pass latency (dense Llama/Qwen, MoE and DeepSeek MLA models),
// evaluated over tables taken from AIC's measured perf database. Everything model- and
// database-specific (op list, quant modes, table slices, speed-of-light constants) is resolved on
// the TypeScript side; this evaluator only walks the op list and interpolates.
//
// Every op of a phase carries an `id` (its slot in a per-op breakdown) and a `group`: 0 is summed;
// groups 1 and 2 run in parallel (AIC's OverlapOp: DeepSeek decode's routed and shared experts) and
// add max(group 1, group 2).
#pragma once
#include <cstdint>
#include <vector>

#include "grid_table.h"
#include "paged_memo.h"

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
  int32_t id = 0;
  uint8_t group = 0;
};

struct MemOp {
  double scale = 1;
  double bytes_per_token = 0;
  int32_t id = 0;
  uint8_t group = 0;
};

// Routed-expert compute (AIC's MoE op): latency over the tokens all attention-DP ranks send,
// from the (quant, distribution, topk, experts, hidden, inter, moe TP, moe EP) slice of moe_perf.
struct MoeOp {
  GridTable grid;          // (num_tokens)
  double scale = 1;
  double token_mult = 1;   // attention-DP ranks: tokens per rank × this
  double hidden = 0, inter = 0, topk = 1, experts = 1, moe_tp = 1, moe_ep = 1, gemms = 3;
  double mem_bytes = 2;    // MoE quant: bytes per weight element
  double flops = 0;        // bf16 tensor-core FLOP/s × the quant's compute factor
  int32_t id = 0;
  uint8_t group = 0;
};

// A collective's latency curve over message elements (custom all-reduce or an NCCL collective);
// speed of light is linear in the message size.
struct CommSpec {
  GridTable grid;             // (message elements)
  double sol_ms_per_element = 0;
  double post_scale = 1;      // bandwidth rescale for more GPUs than the table holds
};

struct CommOp {
  int32_t spec = 0;
  double scale = 1;
  double elements_per_token = 0;
  int32_t id = 0;
  uint8_t group = 0;
};

// DeepSeek's MLA attention block as one measured module (AIC's MLAModule): context tables are
// (heads, seq, batch), generation tables (heads, batch, seq).
struct MlaSpec {
  GridTable grid;
  double heads = 0;
  double scale = 1;
  double kv_bytes = 1;
  double fmha_compute = 1;                 // context: the FMHA quant's compute factor
  double gemm_bytes = 2, gemm_compute = 1; // generation: the BMMs' quant
  int32_t id = 0;
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
  int32_t id = 0;
};

struct AicPhase {
  std::vector<MemOp> mem;
  std::vector<GemmOp> gemms;
  std::vector<MoeOp> moe;
  std::vector<CommOp> comm;
  int32_t ops = 0;  // breakdown slots
};

struct AicModel {
  // System.
  double mem_bw = 0, mem_bw_scale = 0.8, mem_const_s = 3e-6, bf16_flops = 0;
  int32_t nextn = 0;
  AicPhase ctx, gen;
  std::vector<GemmTable> gemm_tables;
  std::vector<CommSpec> comm_specs;
  // Attention: GQA tables (dense and MoE models) or DeepSeek's MLA module, per phase.
  bool mla = false;
  AttentionSpec ctx_attn, gen_attn;
  // gpt-oss: half the layers attend through a sliding window (a second GQA pair).
  bool has_window_attn = false;
  AttentionSpec ctx_attn_window, gen_attn_window;
  MlaSpec ctx_mla, gen_mla;
  bool has_quant_tables = false;
  GridTable compute_scale, scale_matrix;  // (m, k), fp8 static activation quantisation

  // Latency of one prefill pass: `batch` requests of `new_tokens` uncached tokens after `prefix`
  // cached ones. 0 when there is nothing to compute.
  double prefill_ms(int64_t batch, int64_t new_tokens, int64_t prefix) const;
  // One decode step of `batch` requests at sequence length `context` (AIC's s = context + 1).
  double decode_ms(int64_t batch, int64_t context) const;
  // The same, adding each op's latency into `ops[id]` (ctx.ops resp. gen.ops slots, zeroed by the
  // caller); memo tables are bypassed. For `dynosim perf-model --breakdown`.
  double prefill_breakdown(int64_t batch, int64_t new_tokens, int64_t prefix, double* ops) const;
  double decode_breakdown(int64_t batch, int64_t context, double* ops) const;

  // Building blocks, public for tests and the validation sweep.
  double gemm_ms(const GemmOp& op, double m) const;
  // The model's attention in one phase: GQA (plus gpt-oss's windowed layers) or DeepSeek's MLA
  // module, all layers.
  double context_attention_ms(double batch, double new_tokens, double prefix) const;
  double generation_attention_ms(double batch, double s) const;
  double gqa_context_ms(const AttentionSpec& a, double batch, double new_tokens, double prefix) const;
  double gqa_generation_ms(const AttentionSpec& a, double batch, double s) const;
  double moe_ms(const MoeOp& op, double tokens) const;
  double comm_ms(const CommOp& op, double tokens) const;
  double context_mla_ms(double batch, double new_tokens, double prefix) const;
  double generation_mla_ms(double batch, double s) const;
  double mem_op_ms(double bytes) const { return (bytes / (mem_bw * mem_bw_scale) + mem_const_s) * 1000.0; }

  // Prepares the memo tables; call once after the fields are set.
  void finalize();

 private:
  double phase_token_ms(const AicPhase& p, double tokens, bool skip_per_request, double* ops) const;
  double per_request_ops_ms(int64_t batch, double* ops) const;
  double ctx_attention_part(int64_t batch, int64_t new_tokens, int64_t prefix, double* ops) const;
  double gen_attention_part(int64_t batch, int64_t context, double* ops) const;
  double ctx_tokens_ms(int64_t tokens) const;
  double per_request_ms(int64_t batch) const;
  double gen_tokens_ms(int64_t batch) const;
  // Where a generation-table lookup at one batch goes below the heads key: the bracketing batch
  // rows (lo == hi on an exact key; -1: take the general resolver) and the row a query past both
  // sequence curves snaps to.
  struct GenBatchPath {
    int32_t lo = -1, hi = -1, near = -1;
    double w = 0, b_lo = 0, b_hi = 0, b_near = 0;
  };
  GenBatchPath gen_batch_path(const AttentionSpec& a, double batch) const;
  double gqa_generation_sample(const AttentionSpec& a, const GenBatchPath& p, double batch, double sample, size_t* hint_lo,
                               size_t* hint_hi) const;
  // Each whole batch's resolved path, per generation-attention table (the priced decode path).
  struct GenPathMemo {
    std::vector<GenBatchPath> paths;
    std::vector<uint8_t> resolved;
  };
  // gqa_generation_ms, reading and filling `memo` when given.
  double gqa_generation_avg(const AttentionSpec& a, double batch, double s, GenPathMemo* memo) const;

  // Pure functions of one integer, cached lazily (NaN = not computed yet).
  mutable std::vector<double> ctx_memo_, logits_memo_, gen_memo_;
  // Decode results by (batch, context): every key a replay asks for, kept exactly (up to a
  // budget), where a direct-mapped table evicted half the answers of the guide's planner run.
  mutable PagedMemo decode_memo_;
  // Generation attention's table paths by batch (and its windowed layers').
  mutable GenPathMemo gen_path_memo_, gen_window_path_memo_;
};

}  // namespace dynosim
