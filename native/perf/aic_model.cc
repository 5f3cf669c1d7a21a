#include "aic_model.h"

#include "aic_sol.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace dynosim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kNeighborSites = 4;        // AIC blends at most this many nearby shapes
constexpr int kCurveTail = 3;            // boundary utilisation = median of this many points
constexpr size_t kTokenMemo = 1u << 16;  // prefill token counts cached
constexpr size_t kBatchMemo = 1u << 12;  // batch sizes cached
constexpr int64_t kContextMemo = int64_t{1} << 24;    // decode contexts cached
constexpr size_t kDecodeMemoBytes = size_t{64} << 20;  // decode memo's budget

// The slot of key i in a memo grown on demand (NaN: not computed yet); nullptr from `limit` on.
double* grown_slot(std::vector<double>& memo, size_t i, size_t limit) {
  if (i >= limit) return nullptr;
  if (i >= memo.size()) memo.resize(std::min(limit, std::max(i + 1, memo.size() * 2)), kNaN);
  return &memo[i];
}

double median(double* v, int n) {
  for (int i = 1; i < n; ++i)
    for (int j = i; j > 0 && v[j] < v[j - 1]; --j) std::swap(v[j], v[j - 1]);
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

struct GemmSol {
  double mem_bw, mem_bytes, flops;
  double operator()(double m, double n, double k) const {
    const double math = 2.0 * m * n * k / flops * 1000.0;
    const double mem = mem_bytes * (m * n + m * k + n * k) / mem_bw * 1000.0;
    return std::max(math, mem);
  }
};

// Latency of one site's curve at m: the measured point, a linear blend of its neighbours, or,
// beyond the sweep, the boundary utilisation held (median of the last three points).
double eval_curve(const GemmTable& t, const GemmSite& site, double q, const GemmSol& sol) {
  const double* ms = t.m.data() + site.offset;
  const double* lat = t.lat.data() + site.offset;
  const int32_t n = site.length;
  if (n == 0) return kNaN;
  const int32_t i = static_cast<int32_t>(std::lower_bound(ms, ms + n, q) - ms);
  if (i < n && ms[i] == q) return lat[i];
  if (q < ms[0] || q > ms[n - 1] || n < 2) {
    const int tail = std::min<int32_t>(kCurveTail, n);
    const int first = q < ms[0] ? 0 : n - tail;
    double utils[kCurveTail];
    int count = 0;
    for (int j = first; j < first + tail; ++j) {
      const double s = sol(ms[j], site.n, site.k);
      if (lat[j] > 0 && s > 0) utils[count++] = s / lat[j];
    }
    if (count == 0) return kNaN;
    const double sol_q = sol(q, site.n, site.k);
    if (!(sol_q > 0)) return kNaN;
    return sol_q / median(utils, count);
  }
  const double w = (q - ms[i - 1]) / (ms[i] - ms[i - 1]);
  return lat[i - 1] + (lat[i] - lat[i - 1]) * w;
}

bool covered(const std::vector<double>& cov, double q) {
  // Sorted disjoint [lo, hi] pairs: find the last lo <= q.
  size_t lo = 0, hi = cov.size() / 2;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cov[2 * mid] <= q) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && q <= cov[2 * (lo - 1) + 1];
}

// Context attention speed of light (AIC's formula, table samples are full attention: prefix 0).
double ctx_attn_sol(const AttentionSpec& a, double mem_bw, double bf16_flops, double b, double s, double prefix,
                    double n, double n_kv) {
  const double full_s = s + prefix;
  const double h = a.head_dim;
  double ops;
  if (a.window > 0 && full_s > a.window) ops = 2.0 * b * (full_s - prefix) * a.window * n * h * 2.0;
  else ops = 2.0 * b * (full_s * full_s - prefix * prefix) * n * h * 2.0 / 2.0;
  const double mem = 2.0 * b * (n * (full_s - prefix) * h + n * (full_s - prefix) * h) +
                     a.kv_bytes * b * (2.0 * n_kv * full_s * h);
  const double sol_math = ops / bf16_flops * 1000.0 / a.compute;
  const double sol_mem = mem / mem_bw * 1000.0;
  return std::max(sol_math, sol_mem);
}

double gen_attn_sol(const AttentionSpec& a, double mem_bw, double bf16_flops, double b, double s, double n,
                    double n_kv) {
  const double h = a.head_dim;
  const double kv_len = a.window > 0 ? std::min(s - 1.0, a.window) : s - 1.0;
  const double ops = 2.0 * b * n * h * 2.0 * kv_len;
  const double mem = b * (n * h * 2.0 + 2.0 * n_kv * kv_len * h * a.kv_bytes + n * h * 2.0);
  const double sol_math = ops / bf16_flops * 1000.0 / a.compute;
  const double sol_mem = mem / mem_bw * 1000.0;
  return std::max(sol_math, sol_mem);
}

// Quantisation-overhead tables: clamp (m, k) into the collected box first, then resolve.
double quant_table_ms(const GridTable& g, double m, double k, double bytes_factor, double mem_bw, bool rescale) {
  if (g.empty()) return kNaN;
  const int32_t nm = g.count[0];
  const double m_lo = g.keys[g.start[0]], m_hi = g.keys[g.start[0] + nm - 1];
  double k_lo = std::numeric_limits<double>::infinity(), k_hi = -k_lo;
  for (int32_t j = 0; j < nm; ++j) {
    const int32_t node = g.child[g.start[0] + j];
    if (g.count[node] == 0) continue;
    k_lo = std::min(k_lo, g.keys[g.start[node]]);
    k_hi = std::max(k_hi, g.keys[g.start[node] + g.count[node] - 1]);
  }
  const double mc = std::max(m_lo, std::min(m, m_hi));
  const double kc = std::max(k_lo, std::min(k, k_hi));
  auto sol = [&](const double* c) { return bytes_factor * c[0] * c[1] / mem_bw * 1000.0; };
  const double coords[2] = {mc, kc};
  GridResult r = grid_query<2>(g, coords, -1, sol);
  if (!r.ok) return kNaN;
  if (!rescale || (mc == m && kc == k)) return r.value;
  const double q[2] = {m, k};
  return r.value * (sol(q) / sol(coords));
}


}  // namespace

void AicModel::finalize() {
  decode_memo_ = PagedMemo(kBatchMemo, kContextMemo, kDecodeMemoBytes);
  for (GenPathMemo* m : {&gen_path_memo_, &gen_window_path_memo_}) {
    m->paths.clear();
    m->resolved.clear();
  }
  // Grown on first use (a model priced at a handful of points, as the planner's bootstrap and
  // `dynosim perf-model` build them, does not fill half a megabyte of slots).
  ctx_memo_.clear();
  logits_memo_.clear();
  gen_memo_.clear();
}

double AicModel::gemm_ms(const GemmOp& op, double m) const {
  const GemmTable& t = gemm_tables[op.table];
  const GemmSol sol{mem_bw, op.mem_bytes, op.flops};
  double lat;
  if (op.site >= 0) {
    lat = eval_curve(t, t.sites[op.site], m, sol);
  } else {
    // Unknown shape: blend the utilisation of up to four nearby collected shapes (inverse squared
    // distance in log2 space), preferring shapes whose sweep covers m whenever any shape does.
    const bool prefer_covering = covered(t.coverage, m);
    double w_sum = 0, u_acc = 0;
    int taken = 0;
    for (size_t j = 0; j < op.neighbors.size() && taken < kNeighborSites; ++j) {
      const GemmSite& site = t.sites[op.neighbors[j]];
      if (prefer_covering) {
        const double lo = t.m[site.offset], hi = t.m[site.offset + site.length - 1];
        if (!(lo <= m && m <= hi)) continue;
      }
      ++taken;
      const double lat_i = eval_curve(t, site, m, sol);
      const double sol_i = sol(m, site.n, site.k);
      if (!(std::isfinite(lat_i) && lat_i > 0 && std::isfinite(sol_i) && sol_i > 0)) continue;
      const double d = op.neighbor_dist[j];
      const double w = 1.0 / (d * d + 1e-12);
      u_acc += w * (sol_i / lat_i);
      w_sum += w;
    }
    if (!(w_sum > 0)) return kNaN;
    const double sol_q = sol(m, op.n, op.k);
    if (!(sol_q > 0)) return kNaN;
    lat = sol_q / (u_acc / w_sum);
  }
  double floor = 0.0;
  if (op.fp8_static) {
    lat -= quant_table_ms(compute_scale, m, op.k, 2.0, mem_bw, false);
    if (op.low_precision_input) lat -= quant_table_ms(scale_matrix, m, op.k, 3.0, mem_bw, true);
    floor = sol(m, op.n, op.k);
  }
  return std::max(floor, lat) * op.scale;
}

double AicModel::gqa_context_ms(const AttentionSpec& a, double batch, double new_tokens, double prefix) const {
  const double full_s = new_tokens + prefix;
  const double correction = (full_s * full_s - prefix * prefix) / (full_s * full_s);
  auto sol = [&](const double* c) {
    return ctx_attn_sol(a, mem_bw, bf16_flops, c[2], c[1], 0.0, c[0], a.lookup_kv == 0 ? c[0] : a.lookup_kv);
  };
  const double coords[3] = {a.heads, full_s, batch};
  GridResult r = grid_query<3>(a.grid, coords, 1, sol);
  if (!r.ok) return kNaN;
  return (r.value * correction + a.side_ms) * a.scale;
}

namespace {

// One sequence curve of the generation table (the innermost level under a (heads, batch) node):
// 1 = measured or interpolated value in *out, 0 = outside the curve (or empty).
int seq_curve(const GridTable& g, int32_t node, double s, size_t* hint, double* out) {
  const int32_t n = g.count[node];
  if (n == 0) return 0;
  const double* k = g.keys.data() + g.start[node];
  if (s < k[0] || s > k[n - 1]) return 0;
  // Samples arrive in ascending order: after the first search, continue from its position.
  size_t i;
  if (*hint >= static_cast<size_t>(n)) {
    i = static_cast<size_t>(std::lower_bound(k, k + n, s) - k);
  } else {
    i = *hint;
    while (k[i] < s) ++i;
  }
  *hint = i;
  const double* v = g.leaf.data() + g.start[node];
  if (k[i] == s) {
    *out = v[i];
    return 1;
  }
  *out = v[i - 1] + (v[i] - v[i - 1]) * ((s - k[i - 1]) / (k[i] - k[i - 1]));
  return 1;
}

}  // namespace

AicModel::GenBatchPath AicModel::gen_batch_path(const AttentionSpec& a, double batch) const {
  // The (heads, batch) part of the path is shared by the five samples: resolve it once when the
  // heads key exists and the batch is inside the table, then walk only the sequence curves (the
  // same arithmetic as the general resolver). Anything else takes the general resolver.
  GenBatchPath p;
  p.b_near = batch;
  const GridTable& g = a.grid;
  if (g.empty()) return p;
  const double* hk = g.keys.data() + g.start[0];
  const int32_t hn = g.count[0];
  const int32_t hi = static_cast<int32_t>(std::lower_bound(hk, hk + hn, a.heads) - hk);
  if (!(hi < hn && hk[hi] == a.heads)) return p;
  const int32_t bnode = g.child[g.start[0] + hi];
  const double* bk = g.keys.data() + g.start[bnode];
  const int32_t bn = g.count[bnode];
  const int32_t bi = static_cast<int32_t>(std::lower_bound(bk, bk + bn, batch) - bk);
  if (bi < bn && bk[bi] == batch) {
    p.lo = p.hi = p.near = g.child[g.start[bnode] + bi];
  } else if (bi > 0 && bi < bn) {
    p.lo = g.child[g.start[bnode] + bi - 1];
    p.hi = g.child[g.start[bnode] + bi];
    p.b_lo = bk[bi - 1];
    p.b_hi = bk[bi];
    p.w = (batch - p.b_lo) / (p.b_hi - p.b_lo);
    // Where a query past both curves snaps to: the nearer batch key (ties: file order).
    const double d_lo = batch - p.b_lo, d_hi = p.b_hi - batch;
    const bool lo_wins = d_lo < d_hi || (d_lo == d_hi && g.rank[g.start[bnode] + bi - 1] < g.rank[g.start[bnode] + bi]);
    p.near = lo_wins ? p.lo : p.hi;
    p.b_near = lo_wins ? p.b_lo : p.b_hi;
  }
  return p;
}

// One sample of the generation table at (heads, batch, sample); NaN when nothing resolves it.
// Hints carry the position of the previous (smaller) sample along each sequence curve.
double AicModel::gqa_generation_sample(const AttentionSpec& a, const GenBatchPath& p, double batch, double sample,
                                       size_t* hint_lo, size_t* hint_hi) const {
  const GridTable& g = a.grid;
  auto sol = [&](const double* c) {
    return gen_attn_sol(a, mem_bw, bf16_flops, c[1], c[2], c[0], a.lookup_kv == 0 ? c[0] : a.lookup_kv);
  };
  const double coords[3] = {a.heads, batch, sample};
  if (p.lo >= 0) {
    double v_lo = 0, v_hi = 0;
    const int ok_lo = seq_curve(g, p.lo, sample, hint_lo, &v_lo);
    if (p.lo == p.hi) {
      if (ok_lo) return v_lo;
    } else {
      const int ok_hi = seq_curve(g, p.hi, sample, hint_hi, &v_hi);
      if (ok_lo && ok_hi) return v_lo + (v_hi - v_lo) * p.w;
      if (ok_lo || ok_hi) {
        // Ragged table: carry the surviving batch row across by the speed-of-light ratio.
        const double snapped[3] = {a.heads, ok_lo ? p.b_lo : p.b_hi, sample};
        const double sol_q = sol(coords), sol_s = sol(snapped);
        const double surv = ok_lo ? v_lo : v_hi;
        return (std::isfinite(sol_q) && std::isfinite(sol_s) && sol_q > 0 && sol_s > 0) ? surv * (sol_q / sol_s) : surv;
      }
    }
    if (g.count[p.near] > 0) {
      // Past the collected sequences of both rows: hold the utilisation of the boundary point
      // of the nearer row (the general resolver's out-of-range rule).
      const int32_t n = g.count[p.near];
      const int32_t j = g.start[p.near] + (sample > g.keys[g.start[p.near] + n - 1] ? n - 1 : 0);
      const double snapped[3] = {a.heads, p.b_near, g.keys[j]};
      const double lat = g.leaf[j], sol_a = sol(snapped), sol_q = sol(coords);
      if (lat > 0 && sol_a > 0 && sol_q > 0) return sol_q / (sol_a / lat);
    }
  }
  GridResult r = grid_query<3>(g, coords, -1, sol);
  return r.ok ? r.value : kNaN;
}

double AicModel::gqa_generation_ms(const AttentionSpec& a, double batch, double s) const {
  return gqa_generation_avg(a, batch, s, nullptr);
}

double AicModel::gqa_generation_avg(const AttentionSpec& a, double batch, double s, GenPathMemo* memo) const {
  // Five samples over [0.9 s, 1.1 s], averaged (AIC smooths the drift of s within a request).
  const int64_t si = static_cast<int64_t>(s);
  const int64_t s_min = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(si) * 0.9));
  const int64_t s_max = std::max<int64_t>(s_min, static_cast<int64_t>(static_cast<double>(si) * 1.1));
  // The batch's path below the heads key: kept per whole batch when the caller passes a memo.
  const int64_t row = static_cast<int64_t>(batch);
  GenBatchPath local;
  const GenBatchPath* path = &local;
  if (memo != nullptr && static_cast<double>(row) == batch && row >= 0 && row < static_cast<int64_t>(kBatchMemo)) {
    const size_t r = static_cast<size_t>(row);
    if (r >= memo->paths.size()) {
      memo->paths.resize(r + 1);
      memo->resolved.resize(r + 1, 0);
    }
    if (!memo->resolved[r]) {
      memo->paths[r] = gen_batch_path(a, batch);
      memo->resolved[r] = 1;
    }
    path = &memo->paths[r];
  } else {
    local = gen_batch_path(a, batch);
  }
  double sum = 0;
  size_t hint_lo = SIZE_MAX, hint_hi = SIZE_MAX;
  for (int i = 0; i < 5; ++i) {
    const double sample = static_cast<double>(s_min + (s_max - s_min) * i / 4);
    const double v = gqa_generation_sample(a, *path, batch, sample, &hint_lo, &hint_hi);
    if (std::isnan(v)) return kNaN;
    sum += v;
  }
  return sum / 5.0 * a.scale;
}

double AicModel::moe_ms(const MoeOp& op, double tokens) const {
  const double coords[1] = {tokens * op.token_mult};
  auto sol = [&](const double* c) { return aic_sol::moe_sol(op, mem_bw, c[0]); };
  GridResult r = grid_query<1>(op.grid, coords, -1, sol);
  return r.ok ? r.value * op.scale : kNaN;
}

double AicModel::comm_ms(const CommOp& op, double tokens) const {
  const CommSpec& c = comm_specs[op.spec];
  const double coords[1] = {tokens * op.elements_per_token};
  auto sol = [&](const double* x) { return x[0] * c.sol_ms_per_element; };
  GridResult r = grid_query<1>(c.grid, coords, -1, sol);
  return r.ok ? r.value * c.post_scale * op.scale : kNaN;
}

double AicModel::context_mla_ms(double batch, double new_tokens, double prefix) const {
  const double full_s = new_tokens + prefix;
  const double correction = (full_s * full_s - prefix * prefix) / (full_s * full_s);
  const double coords[3] = {ctx_mla.heads, full_s, batch};
  auto sol = [&](const double* c) { return aic_sol::mla_ctx_sol(ctx_mla, mem_bw, bf16_flops, c); };
  GridResult r = grid_query<3>(ctx_mla.grid, coords, 1, sol);
  return r.ok ? r.value * correction * ctx_mla.scale : kNaN;
}

double AicModel::generation_mla_ms(double batch, double s) const {
  const double coords[3] = {gen_mla.heads, batch, s};
  auto sol = [&](const double* c) { return aic_sol::mla_gen_sol(gen_mla, mem_bw, bf16_flops, c); };
  GridResult r = grid_query<3>(gen_mla.grid, coords, -1, sol);
  return r.ok ? r.value * gen_mla.scale : kNaN;
}

double AicModel::phase_token_ms(const AicPhase& p, double tokens, bool skip_per_request, double* ops) const {
  double group[3] = {0.0, 0.0, 0.0};
  auto add = [&](uint8_t g, int32_t id, double v) {
    group[g] += v;
    if (ops) ops[id] += v;
  };
  for (const MemOp& op : p.mem) add(op.group, op.id, mem_op_ms(op.bytes_per_token * tokens) * op.scale);
  for (const GemmOp& op : p.gemms)
    if (!(skip_per_request && op.per_request)) add(op.group, op.id, gemm_ms(op, tokens));
  for (const MoeOp& op : p.moe) add(op.group, op.id, moe_ms(op, tokens));
  for (const CommOp& op : p.comm) add(op.group, op.id, comm_ms(op, tokens));
  return group[0] + std::max(group[1], group[2]);
}

double AicModel::ctx_tokens_ms(int64_t tokens) const {
  double* v = grown_slot(ctx_memo_, static_cast<size_t>(tokens), kTokenMemo);
  if (v == nullptr) return phase_token_ms(ctx, static_cast<double>(tokens), true, nullptr);
  if (std::isnan(*v)) *v = phase_token_ms(ctx, static_cast<double>(tokens), true, nullptr);
  return *v;
}

double AicModel::per_request_ms(int64_t batch) const {
  auto compute = [&] { return per_request_ops_ms(batch, nullptr); };
  double* v = grown_slot(logits_memo_, static_cast<size_t>(batch), kBatchMemo);
  if (v == nullptr) return compute();
  if (std::isnan(*v)) *v = compute();
  return *v;
}

double AicModel::gen_tokens_ms(int64_t batch) const {
  double* v = grown_slot(gen_memo_, static_cast<size_t>(batch), kBatchMemo);
  if (v == nullptr) return phase_token_ms(gen, static_cast<double>(batch), false, nullptr);
  if (std::isnan(*v)) *v = phase_token_ms(gen, static_cast<double>(batch), false, nullptr);
  return *v;
}

double AicModel::per_request_ops_ms(int64_t batch, double* ops) const {
  double total = 0;
  for (const GemmOp& op : ctx.gemms)
    if (op.per_request) {
      const double v = gemm_ms(op, static_cast<double>(batch));
      total += v;
      if (ops) ops[op.id] += v;
    }
  return total;
}

double AicModel::ctx_attention_part(int64_t batch, int64_t new_tokens, int64_t prefix, double* ops) const {
  const double b = static_cast<double>(batch), s = static_cast<double>(new_tokens);
  const double p = static_cast<double>(std::max<int64_t>(0, prefix));
  if (mla) {
    const double v = context_mla_ms(b, s, p);
    if (ops) ops[ctx_mla.id] += v;
    return v;
  }
  double v = gqa_context_ms(ctx_attn, b, s, p);
  if (ops) ops[ctx_attn.id] += v;
  if (has_window_attn) {
    const double w = gqa_context_ms(ctx_attn_window, b, s, p);
    if (ops) ops[ctx_attn_window.id] += w;
    v += w;
  }
  return v;
}

double AicModel::gen_attention_part(int64_t batch, int64_t context, double* ops) const {
  const double b = static_cast<double>(batch), s = static_cast<double>(context + 1);
  if (mla) {
    const double v = generation_mla_ms(b, s);
    if (ops) ops[gen_mla.id] += v;
    return v;
  }
  // The priced path (no breakdown) keeps each batch's table path.
  double v = gqa_generation_avg(gen_attn, b, s, ops ? nullptr : &gen_path_memo_);
  if (ops) ops[gen_attn.id] += v;
  if (has_window_attn) {
    const double w = gqa_generation_avg(gen_attn_window, b, s, ops ? nullptr : &gen_window_path_memo_);
    if (ops) ops[gen_attn_window.id] += w;
    v += w;
  }
  return v;
}

double AicModel::context_attention_ms(double batch, double new_tokens, double prefix) const {
  if (mla) return context_mla_ms(batch, new_tokens, prefix);
  return gqa_context_ms(ctx_attn, batch, new_tokens, prefix) +
         (has_window_attn ? gqa_context_ms(ctx_attn_window, batch, new_tokens, prefix) : 0.0);
}

double AicModel::generation_attention_ms(double batch, double s) const {
  if (mla) return generation_mla_ms(batch, s);
  return gqa_generation_ms(gen_attn, batch, s) + (has_window_attn ? gqa_generation_ms(gen_attn_window, batch, s) : 0.0);
}

double AicModel::prefill_ms(int64_t batch, int64_t new_tokens, int64_t prefix) const {
  if (batch <= 0 || new_tokens <= 0) return 0.0;
  const double total = ctx_tokens_ms(batch * new_tokens) + per_request_ms(batch) + ctx_attention_part(batch, new_tokens, prefix, nullptr);
  return std::isfinite(total) ? std::max(0.0, total) : 0.0;
}

double AicModel::prefill_breakdown(int64_t batch, int64_t new_tokens, int64_t prefix, double* ops) const {
  if (batch <= 0 || new_tokens <= 0) return 0.0;
  const double total = phase_token_ms(ctx, static_cast<double>(batch * new_tokens), true, ops) + per_request_ops_ms(batch, ops) +
                       ctx_attention_part(batch, new_tokens, prefix, ops);
  return std::isfinite(total) ? std::max(0.0, total) : 0.0;
}

double AicModel::decode_breakdown(int64_t batch, int64_t context, double* ops) const {
  if (batch <= 0) return 0.0;
  context = std::max<int64_t>(0, context);
  const int64_t b = batch * (nextn + 1);
  const double total = phase_token_ms(gen, static_cast<double>(b), false, ops) + gen_attention_part(b, context, ops);
  return std::isfinite(total) ? total : 0.0;
}

double AicModel::decode_ms(int64_t batch, int64_t context) const {
  if (batch <= 0) return 0.0;
  context = std::max<int64_t>(0, context);
  // A replay asks for the same (batch, context) many times across workers and passes; the value
  // is a pure function of the key.
  double* slot = decode_memo_.slot(batch, context);
  if (slot && !PagedMemo::unset(*slot)) return *slot;
  const int64_t b = batch * (nextn + 1);
  const double total = gen_tokens_ms(b) + gen_attention_part(b, context, nullptr);
  const double ms = std::isfinite(total) ? total : 0.0;
  if (slot) *slot = ms;
  return ms;
}

}  // namespace dynosim
