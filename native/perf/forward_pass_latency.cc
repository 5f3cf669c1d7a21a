#include "forward_pass_latency.h"

#include <algorithm>
#include <cmath>

namespace dynosim {

namespace {
int64_t per_request(int64_t total, int64_t requests) { return total / std::max<int64_t>(1, requests); }
}  // namespace

double aic_forward_pass_ms(const AicModel& aic, const PassWork& p) {
  const bool prefill = p.sum_prefill_tokens > 0;
  const bool decode = p.num_decode_requests > 0 || p.sum_decode_kv_tokens > 0;
  const int64_t n_prefill = std::max<int64_t>(1, p.num_prefill_requests);
  const int64_t n_decode = std::max<int64_t>(1, p.num_decode_requests);
  const int64_t new_per_req = per_request(p.sum_prefill_tokens, n_prefill);
  const int64_t prefix_per_req = per_request(p.sum_prefill_kv_tokens, n_prefill);
  const int64_t kv_per_req = per_request(p.sum_decode_kv_tokens, n_decode);
  double ms = 0;
  if (prefill && decode) {
    // Pass 1: every context op but attention over prefill + decode tokens as one batch-1 request.
    const int64_t tokens = std::max<int64_t>(1, p.sum_prefill_tokens + p.num_decode_requests);
    ms = aic.prefill_ms(1, tokens, 0) - aic.context_attention_ms(1, static_cast<double>(tokens), 0);
    // Pass 2: the prefill's context attention at its own shape.
    const int64_t isl = std::max<int64_t>(1, new_per_req);
    const int64_t batch = std::max<int64_t>(1, (p.sum_prefill_tokens + isl - 1) / isl);
    const int64_t scale = std::max<int64_t>(1, (isl + p.sum_prefill_tokens - 1) / std::max<int64_t>(1, p.sum_prefill_tokens));
    ms += aic.context_attention_ms(static_cast<double>(batch), static_cast<double>(isl), static_cast<double>(prefix_per_req)) /
          static_cast<double>(scale);
    // Pass 3: the decode batch's generation attention.
    if (p.num_decode_requests > 0)
      ms += aic.generation_attention_ms(static_cast<double>(p.num_decode_requests), static_cast<double>(std::max<int64_t>(1, kv_per_req)));
  } else if (prefill) {
    ms = aic.prefill_ms(n_prefill, new_per_req, prefix_per_req);
  } else if (decode) {
    // The step at sequence length s = the average KV length (AicModel::decode_ms takes s − 1).
    ms = aic.decode_ms(n_decode, std::max<int64_t>(0, kv_per_req - 1));
  }
  return std::isfinite(ms) ? std::max(0.0, ms) : 0.0;
}

}  // namespace dynosim
