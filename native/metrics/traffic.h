// The planner's traffic window: what was offered and what completed since the last drain.
#pragma once
#include <cstdint>

#include "../common/types.h"

namespace dynosim {

struct TrafficWindow {
  double duration_s = 0;
  int64_t num_req = 0;          // requests offered (arrived) in the window
  int64_t shape_count = 0;      // requests completed (not rejected) in the window
  double avg_isl = 0, avg_osl = 0;
  int64_t ttft_count = 0;
  double avg_ttft_ms = 0;
  int64_t itl_count = 0;
  double avg_itl_ms = 0;        // mean of per-request mean inter-token latency
  int64_t kv_hit_count = 0;
  double avg_kv_hit_rate = 0;   // mean over router admissions of overlap_blocks / isl_blocks
  int64_t visible_tokens = 0, decode_forwards = 0;
  double avg_accept_length = -1;  // -1: no decode forwards in the window
};

class TrafficAccumulator {
 public:
  void on_arrival() { ++num_req_; }
  void on_completion(uint32_t isl, uint32_t osl, double ttft_ms, double mean_itl_ms) {
    ++shape_count_;
    sum_isl_ += isl;
    sum_osl_ += osl;
    if (ttft_ms > 0) {
      ++ttft_count_;
      sum_ttft_ += ttft_ms;
    }
    if (osl > 1) {
      ++itl_count_;
      sum_itl_ += mean_itl_ms;
    }
  }
  void on_admission(int64_t overlap_blocks, int64_t isl_blocks) {
    if (isl_blocks <= 0) return;
    ++kv_hit_count_;
    sum_kv_hit_ += static_cast<double>(overlap_blocks) / static_cast<double>(isl_blocks);
  }
  void on_decode(int64_t visible_tokens, int64_t forwards) {
    visible_ += visible_tokens;
    forwards_ += forwards;
  }

  // Returns the window ending at `now` and starts a new one.
  TrafficWindow drain(Ns now) {
    TrafficWindow w;
    w.duration_s = static_cast<double>(now - window_start_) / 1e9;
    w.num_req = num_req_;
    w.shape_count = shape_count_;
    if (shape_count_ > 0) {
      w.avg_isl = sum_isl_ / static_cast<double>(shape_count_);
      w.avg_osl = sum_osl_ / static_cast<double>(shape_count_);
    }
    w.ttft_count = ttft_count_;
    if (ttft_count_ > 0) w.avg_ttft_ms = sum_ttft_ / static_cast<double>(ttft_count_);
    w.itl_count = itl_count_;
    if (itl_count_ > 0) w.avg_itl_ms = sum_itl_ / static_cast<double>(itl_count_);
    w.kv_hit_count = kv_hit_count_;
    if (kv_hit_count_ > 0) w.avg_kv_hit_rate = sum_kv_hit_ / static_cast<double>(kv_hit_count_);
    w.visible_tokens = visible_;
    w.decode_forwards = forwards_;
    if (forwards_ > 0) w.avg_accept_length = static_cast<double>(visible_) / static_cast<double>(forwards_);
    *this = TrafficAccumulator();
    window_start_ = now;
    return w;
  }

 private:
  Ns window_start_ = 0;
  int64_t num_req_ = 0, shape_count_ = 0, ttft_count_ = 0, itl_count_ = 0, kv_hit_count_ = 0;
  double sum_isl_ = 0, sum_osl_ = 0, sum_ttft_ = 0, sum_itl_ = 0, sum_kv_hit_ = 0;
  int64_t visible_ = 0, forwards_ = 0;
};

}  // namespace dynosim
