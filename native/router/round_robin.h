// Cyclic placement over the eligible targets in id order (workers, and within a worker its DP
// ranks); the position is kept when workers come and go. No queue.
#pragma once
#include <algorithm>
#include <vector>

#include "router.h"

namespace dynosim {

class RoundRobinRouter final : public Router {
 public:
  explicit RoundRobinRouter(int32_t num_targets) : eligible_(num_targets, 1) {}

  int32_t route(int32_t, Ns) override {
    const int32_t n = static_cast<int32_t>(eligible_.size());
    for (int32_t k = 0; k < n; ++k) {
      int32_t t = (next_ + k) % n;
      if (eligible_[t]) {
        next_ = t + 1;
        return t;
      }
    }
    return -1;  // unreachable while a worker is eligible: the planner never scales to zero
  }
  void on_first_token(int32_t, Ns) override {}
  void on_finished(int32_t, Ns) override {}
  void release_queued(std::vector<std::pair<int32_t, int32_t>>&, Ns) override {}
  size_t queued() const override { return 0; }
  void add_target() override { eligible_.push_back(0); }
  void set_eligible(int32_t target, bool eligible) override { eligible_[target] = eligible ? 1 : 0; }
  void remove_target(int32_t target) override { eligible_[target] = 0; }

 private:
  std::vector<uint8_t> eligible_;
  int32_t next_ = 0;
};

}  // namespace dynosim
