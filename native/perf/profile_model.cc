#include "profile_model.h"

#include <algorithm>
#include <cmath>

namespace dynosim {

namespace {

// Index i of the cell [x[i], x[i+1]] used for x: the containing cell inside the range, the first
// or last cell outside it (linear extrapolation).
size_t cell(const std::vector<double>& xs, double x) {
  const size_t n = xs.size();
  size_t i = static_cast<size_t>(std::upper_bound(xs.begin(), xs.end(), x) - xs.begin());
  if (i == 0) return 0;
  if (i >= n) return n - 2;
  return i - 1;
}

}  // namespace

double ProfileModel::prefill_ms(int64_t batch, int64_t isl, int64_t prefix) const {
  const int64_t new_tokens = std::max<int64_t>(0, isl - prefix);
  if (batch <= 0 || new_tokens == 0) return 0.0;
  const double x = static_cast<double>(batch) * static_cast<double>(new_tokens);
  const size_t i = cell(prefill_tokens, x);
  const double x0 = prefill_tokens[i], x1 = prefill_tokens[i + 1];
  const double y0 = prefill_latency[i], y1 = prefill_latency[i + 1];
  const double y = y0 + (y1 - y0) * (x - x0) / (x1 - x0);
  return std::isfinite(y) ? std::max(0.0, y) : 0.0;
}

double ProfileModel::decode_ms(int64_t active_kv_tokens, int64_t context_length) const {
  const double x = static_cast<double>(active_kv_tokens), y = static_cast<double>(context_length);
  const size_t i = cell(decode_kv, x), j = cell(decode_context, y);
  const size_t cols = decode_context.size();
  const double x0 = decode_kv[i], x1 = decode_kv[i + 1];
  const double y0 = decode_context[j], y1 = decode_context[j + 1];
  const double q00 = decode_itl[i * cols + j], q01 = decode_itl[i * cols + j + 1];
  const double q10 = decode_itl[(i + 1) * cols + j], q11 = decode_itl[(i + 1) * cols + j + 1];
  const double tx = (x - x0) / (x1 - x0), ty = (y - y0) / (y1 - y0);
  const double a = q00 + (q10 - q00) * tx;
  const double b = q01 + (q11 - q01) * tx;
  const double v = a + (b - a) * ty;
  return std::isfinite(v) ? v : 0.0;
}

}  // namespace dynosim
