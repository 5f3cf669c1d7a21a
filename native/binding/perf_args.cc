#include "perf_args.h"

#include "js_fields.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace dynosim {

namespace {

using js::Field;
using js::num_text;


void strictly_increasing(const Field& f, const std::string& key, const std::vector<double>& xs, size_t min_len) {
  if (xs.size() < min_len) f.fail(key, "needs at least " + std::to_string(min_len) + " points, got " + std::to_string(xs.size()));
  for (size_t i = 1; i < xs.size(); ++i)
    if (!(xs[i] > xs[i - 1])) f.fail(key, "must be strictly increasing (index " + std::to_string(i) + ")");
}

// A nested table: checks that it is a tree of `depth` levels rooted at node 0 whose key runs
// are sorted, and that every child index points at a node of the next level (or a value).
GridTable parse_grid(const Field& f, int expected_depth) {
  GridTable g;
  g.depth = static_cast<int>(f.integer("depth", 1, grid_detail::kMaxDepth));
  if (g.depth != expected_depth)
    f.fail("depth", "must be " + std::to_string(expected_depth) + ", got " + std::to_string(g.depth));
  g.start = f.i32("start");
  g.count = f.i32("count");
  g.keys = f.f64("keys");
  g.rank = f.f64("rank");
  g.child = f.i32("child");
  g.values = f.f64("values");
  const size_t nodes = g.start.size();
  if (nodes == 0) f.fail("start", "must hold at least the root node");
  f.expect_length("count", g.count.size(), nodes);
  f.expect_length("rank", g.rank.size(), g.keys.size());
  f.expect_length("child", g.child.size(), g.keys.size());
  // Level of each node, found by walking from the root; every node must be reached exactly once.
  std::vector<int> level(nodes, -1);
  level[0] = 0;
  std::vector<int32_t> stack{0};
  size_t value_refs = 0;
  while (!stack.empty()) {
    int32_t node = stack.back();
    stack.pop_back();
    const int64_t s = g.start[node], c = g.count[node];
    if (s < 0 || c < 0 || s + c > static_cast<int64_t>(g.keys.size()))
      f.fail("start", "node " + std::to_string(node) + " has an out-of-range key run");
    for (int64_t j = 0; j < c; ++j) {
      if (j > 0 && !(g.keys[s + j] > g.keys[s + j - 1]))
        f.fail("keys", "run of node " + std::to_string(node) + " must be strictly increasing");
      const int32_t ch = g.child[s + j];
      if (level[node] + 1 == g.depth) {
        if (ch < 0 || static_cast<size_t>(ch) >= g.values.size())
          f.fail("child", "value index " + std::to_string(ch) + " is out of range");
        ++value_refs;
      } else {
        if (ch <= 0 || static_cast<size_t>(ch) >= nodes || level[ch] != -1)
          f.fail("child", "node index " + std::to_string(ch) + " is out of range or shared");
        level[ch] = level[node] + 1;
        stack.push_back(ch);
      }
    }
  }
  for (size_t i = 0; i < nodes; ++i)
    if (level[i] == -1) f.fail("start", "node " + std::to_string(i) + " is not reachable from the root");
  if (value_refs != g.values.size()) f.fail("values", "has entries no key points at");
  g.finalize();
  return g;
}

std::shared_ptr<const ProfileModel> parse_profile(const Field& f) {
  auto p = std::make_shared<ProfileModel>();
  p->prefill_tokens = f.f64("prefillTokens");
  p->prefill_latency = f.f64("prefillMs");
  p->decode_kv = f.f64("decodeKvTokens");
  p->decode_context = f.f64("decodeContext");
  p->decode_itl = f.f64("decodeItlMs");
  strictly_increasing(f, "prefillTokens", p->prefill_tokens, 2);
  f.expect_length("prefillMs", p->prefill_latency.size(), p->prefill_tokens.size());
  strictly_increasing(f, "decodeKvTokens", p->decode_kv, 2);
  strictly_increasing(f, "decodeContext", p->decode_context, 2);
  f.expect_length("decodeItlMs", p->decode_itl.size(), p->decode_kv.size() * p->decode_context.size());
  return p;
}

GemmTable parse_gemm_table(const Field& f) {
  GemmTable t;
  std::vector<double> n = f.f64("siteN"), k = f.f64("siteK");
  std::vector<int32_t> off = f.i32("siteOffset"), len = f.i32("siteLength");
  t.m = f.f64("m");
  t.lat = f.f64("latency");
  t.coverage = f.f64("coverage");
  f.expect_length("siteK", k.size(), n.size());
  f.expect_length("siteOffset", off.size(), n.size());
  f.expect_length("siteLength", len.size(), n.size());
  f.expect_length("latency", t.lat.size(), t.m.size());
  if (t.coverage.size() % 2 != 0) f.fail("coverage", "must hold [lo, hi] pairs");
  for (size_t i = 1; i < t.coverage.size(); ++i)
    if (t.coverage[i] < t.coverage[i - 1]) f.fail("coverage", "must be sorted");
  for (size_t i = 0; i < n.size(); ++i) {
    if (off[i] < 0 || len[i] < 1 || static_cast<size_t>(off[i]) + static_cast<size_t>(len[i]) > t.m.size())
      f.fail("siteOffset", "site " + std::to_string(i) + " has an out-of-range curve");
    for (int32_t j = 1; j < len[i]; ++j)
      if (!(t.m[off[i] + j] > t.m[off[i] + j - 1]))
        f.fail("m", "curve of site " + std::to_string(i) + " must be strictly increasing");
    t.sites.push_back(GemmSite{n[i], k[i], off[i], len[i]});
  }
  return t;
}

GemmOp parse_gemm_op(const Field& f, const std::vector<GemmTable>& tables) {
  GemmOp op;
  op.scale = f.number("scale", 0, 1e9);
  op.n = f.positive("n");
  op.k = f.positive("k");
  op.mem_bytes = f.positive("memBytes");
  op.flops = f.positive("flops");
  op.table = static_cast<int32_t>(f.integer("table", 0, static_cast<int64_t>(tables.size()) - 1));
  const GemmTable& t = tables[op.table];
  op.site = static_cast<int32_t>(f.integer("site", -1, static_cast<int64_t>(t.sites.size()) - 1));
  op.neighbors = f.i32("neighbors");
  op.neighbor_dist = f.f64("neighborDist");
  f.expect_length("neighborDist", op.neighbor_dist.size(), op.neighbors.size());
  for (int32_t s : op.neighbors)
    if (s < 0 || static_cast<size_t>(s) >= t.sites.size()) f.fail("neighbors", "site index " + std::to_string(s) + " is out of range");
  if (op.site < 0 && op.neighbors.empty()) f.fail("neighbors", "must not be empty when the shape is not collected");
  op.per_request = f.boolean("perRequest");
  op.fp8_static = f.boolean("fp8Static");
  op.low_precision_input = f.boolean("lowPrecisionInput");
  return op;
}

// Breakdown slot and overlap group of one op of a phase with `slots` ops.
template <typename Op>
void parse_slot(const Field& f, int32_t slots, Op& op) {
  op.id = static_cast<int32_t>(f.integer("id", 0, slots - 1));
  op.group = static_cast<uint8_t>(f.integer("group", 0, 2));
}

MoeOp parse_moe_op(const Field& f) {
  MoeOp op;
  op.grid = parse_grid(f.object("grid"), 1);
  op.scale = f.number("scale", 0, 1e9);
  op.token_mult = f.number("tokenMultiplier", 1, 1e6);
  op.hidden = f.positive("hidden");
  op.inter = f.positive("inter");
  op.topk = f.positive("topk");
  op.experts = f.positive("experts");
  op.moe_tp = f.number("moeTp", 1, 1e6);
  op.moe_ep = f.number("moeEp", 1, 1e6);
  op.gemms = f.positive("gemms");
  op.mem_bytes = f.positive("memBytes");
  op.flops = f.positive("flops");
  return op;
}

AicPhase parse_aic_phase(const Field& f, const std::vector<GemmTable>& tables, size_t comm_specs) {
  AicPhase p;
  p.ops = static_cast<int32_t>(f.integer("opCount", 1, 1 << 16));
  std::vector<double> mem = f.f64("memOps");
  if (mem.size() % 4 != 0) f.fail("memOps", "must hold (scale, bytesPerToken, id, group) quadruples");
  for (size_t i = 0; i < mem.size(); i += 4) {
    if (!(mem[i + 2] >= 0 && mem[i + 2] < p.ops && mem[i + 2] == std::floor(mem[i + 2])) ||
        !(mem[i + 3] == 0 || mem[i + 3] == 1 || mem[i + 3] == 2))
      f.fail("memOps", "op " + std::to_string(i / 4) + " has a bad id or group");
    p.mem.push_back(MemOp{mem[i], mem[i + 1], static_cast<int32_t>(mem[i + 2]), static_cast<uint8_t>(mem[i + 3])});
  }
  for (const Field& g : f.objects("gemms")) {
    p.gemms.push_back(parse_gemm_op(g, tables));
    parse_slot(g, p.ops, p.gemms.back());
  }
  for (const Field& m : f.objects("moe")) {
    p.moe.push_back(parse_moe_op(m));
    parse_slot(m, p.ops, p.moe.back());
  }
  for (const Field& c : f.objects("comm")) {
    CommOp op;
    op.spec = static_cast<int32_t>(c.integer("spec", 0, static_cast<int64_t>(comm_specs) - 1));
    op.scale = c.number("scale", 0, 1e9);
    op.elements_per_token = c.positive("elementsPerToken");
    parse_slot(c, p.ops, op);
    p.comm.push_back(op);
  }
  return p;
}

MlaSpec parse_mla(const Field& f, int32_t slots) {
  MlaSpec m;
  m.grid = parse_grid(f.object("grid"), 3);
  m.heads = f.positive("heads");
  m.scale = f.number("scale", 0, 1e9);
  m.kv_bytes = f.positive("kvBytes");
  m.fmha_compute = f.positive("fmhaCompute");
  m.gemm_bytes = f.positive("gemmBytes");
  m.gemm_compute = f.positive("gemmCompute");
  m.id = static_cast<int32_t>(f.integer("id", 0, slots - 1));
  return m;
}

AttentionSpec parse_attention(const Field& f, int32_t slots) {
  AttentionSpec a;
  a.grid = parse_grid(f.object("grid"), 3);
  a.heads = f.positive("heads");
  a.kv_heads = f.positive("kvHeads");
  a.lookup_kv = f.number("lookupKvHeads", 0, 1e6);
  a.head_dim = f.positive("headDim");
  a.window = f.number("window", 0, 1e12);
  a.kv_bytes = f.positive("kvBytes");
  a.compute = f.positive("compute");
  a.scale = f.number("scale", 0, 1e9);
  a.side_ms = f.number("sideMs", 0, 1e9);
  a.id = static_cast<int32_t>(f.integer("id", 0, slots - 1));
  return a;
}

std::shared_ptr<const AicModel> parse_aic(const Field& f) {
  auto m = std::make_shared<AicModel>();
  m->mem_bw = f.positive("memBandwidth");
  m->mem_bw_scale = f.positive("memBandwidthScale");
  m->mem_const_s = f.number("memConstantLatency", 0, 1);
  m->bf16_flops = f.positive("bf16Flops");
  m->nextn = static_cast<int32_t>(f.integer("nextn", 0, 5));
  for (const Field& t : f.objects("gemmTables")) m->gemm_tables.push_back(parse_gemm_table(t));
  for (const Field& c : f.objects("commTables")) {
    CommSpec spec;
    spec.grid = parse_grid(c.object("grid"), 1);
    spec.sol_ms_per_element = c.positive("solMsPerElement");
    spec.post_scale = c.positive("postScale");
    m->comm_specs.push_back(std::move(spec));
  }
  m->ctx = parse_aic_phase(f.object("context"), m->gemm_tables, m->comm_specs.size());
  m->gen = parse_aic_phase(f.object("generation"), m->gemm_tables, m->comm_specs.size());
  // Attention: the GQA tables, or DeepSeek's MLA module (exactly one kind).
  m->mla = !f.is_null("contextMla");
  if (m->mla) {
    m->ctx_mla = parse_mla(f.object("contextMla"), m->ctx.ops);
    m->gen_mla = parse_mla(f.object("generationMla"), m->gen.ops);
    if (!f.is_null("contextAttention")) f.fail("contextAttention", "must be null when contextMla is set");
  } else {
    m->ctx_attn = parse_attention(f.object("contextAttention"), m->ctx.ops);
    m->gen_attn = parse_attention(f.object("generationAttention"), m->gen.ops);
    m->has_window_attn = !f.is_null("contextWindowAttention");
    if (m->has_window_attn) {
      m->ctx_attn_window = parse_attention(f.object("contextWindowAttention"), m->ctx.ops);
      m->gen_attn_window = parse_attention(f.object("generationWindowAttention"), m->gen.ops);
    }
  }
  bool needs_quant = false;
  for (const AicPhase* p : {&m->ctx, &m->gen})
    for (const GemmOp& op : p->gemms) needs_quant = needs_quant || op.fp8_static;
  if (!f.is_null("computeScale") || !f.is_null("scaleMatrix")) {
    m->compute_scale = parse_grid(f.object("computeScale"), 2);
    m->scale_matrix = parse_grid(f.object("scaleMatrix"), 2);
    m->has_quant_tables = true;
  } else if (needs_quant) {
    f.fail("computeScale", "must be set when a GEMM is fp8_static");
  }
  m->finalize();
  return m;
}

RooflinePhase parse_roofline_phase(const Field& f) {
  RooflinePhase p;
  std::vector<double> mem = f.f64("memOps");
  if (mem.size() % 2 != 0) f.fail("memOps", "must hold (scale, bytesPerToken) pairs");
  for (size_t i = 0; i < mem.size(); i += 2) p.mem.push_back(RooflineMemOp{mem[i], mem[i + 1]});
  for (const Field& g : f.objects("gemms")) {
    RooflineGemm r;
    r.scale = g.number("scale", 0, 1e9);
    r.n = g.positive("n");
    r.k = g.positive("k");
    r.weight_bytes = g.positive("weightBytes");
    r.act_bytes = g.positive("actBytes");
    r.flops = g.positive("flops");
    r.per_request = g.boolean("perRequest");
    p.gemms.push_back(r);
  }
  p.allreduce_scale = f.number("allReduceScale", 0, 1e9);
  p.attention_scale = f.number("attentionScale", 0, 1e9);
  return p;
}

std::shared_ptr<const AnalyticalModel> parse_analytical(const Field& f) {
  auto m = std::make_shared<AnalyticalModel>();
  m->mem_bw = f.positive("memBandwidth");
  m->bf16_flops = f.positive("bf16Flops");
  m->mem_bw_scale = f.positive("memBandwidthScale");
  m->mem_const_s = f.number("memConstantLatency", 0, 1);
  m->p2p_bw = f.positive("p2pBandwidth");
  m->hidden = f.positive("hidden");
  m->heads = f.positive("heads");
  m->kv_heads = f.positive("kvHeads");
  m->head_dim = f.positive("headDim");
  m->kv_bytes = f.positive("kvBytes");
  m->fmha_compute = f.positive("fmhaCompute");
  m->tp = f.number("tp", 1, 1e6);
  m->nextn = static_cast<int32_t>(f.integer("nextn", 0, 5));
  m->ctx = parse_roofline_phase(f.object("context"));
  m->gen = parse_roofline_phase(f.object("generation"));
  Field e = f.object("efficiency");
  m->gemm_compute_eff = e.number("gemmCompute", 1e-3, 1);
  m->gemm_mem_eff = e.number("gemmMemory", 1e-3, 1);
  m->gemm_overhead_s = e.number("gemmOverheadS", 0, 1);
  m->gemm_ramp_tokens = e.number("gemmRampTokens", 0, 1e9);
  m->ctx_attn_eff = e.number("contextAttention", 1e-3, 1);
  m->ctx_attn_overhead_s = e.number("contextAttentionOverheadS", 0, 1);
  m->ctx_attn_side_s = e.number("contextAttentionSideS", 0, 1);
  m->gen_attn_mem_eff = e.number("generationAttentionMemory", 1e-3, 1);
  m->gen_attn_fp8_mem_eff = e.number("generationAttentionFp8Memory", 1e-3, 1);
  m->gen_attn_overhead_s = e.number("generationAttentionOverheadS", 0, 1);
  m->gen_attn_per_request_s = e.number("generationAttentionPerRequestS", 0, 1);
  m->allreduce_eff = e.number("allReduce", 1e-3, 1);
  m->allreduce_latency_s = e.number("allReduceLatencyS", 0, 1);
  return m;
}

}  // namespace

PerfModel parse_perf_model(const Napi::Object& engine) {
  PerfModel model;
  Napi::Value perf = engine.Get("perf");
  if (perf.IsUndefined() || perf.IsNull()) return model;
  if (!perf.IsObject()) throw std::invalid_argument("native config: engine.perf must be an object");
  Field f{perf.As<Napi::Object>(), "engine.perf"};
  Napi::Value kind = f.get("kind");
  std::string k = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  if (k == "polynomial") return model;
  if (k == "profile") {
    model.kind = PerfModel::Kind::Profile;
    model.profile = parse_profile(f);
  } else if (k == "aic") {
    model.kind = PerfModel::Kind::Aic;
    model.aic = parse_aic(f);
  } else if (k == "analytical") {
    model.kind = PerfModel::Kind::Analytical;
    model.analytical = parse_analytical(f);
  } else {
    throw std::invalid_argument("native config: unknown perf model kind '" + k + "'");
  }
  return model;
}

}  // namespace dynosim
