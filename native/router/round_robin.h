// Cyclic placement over the targets in id order; no queue.
#pragma once
#include "router.h"

namespace dynosim {

class RoundRobinRouter final : public Router {
 public:
  explicit RoundRobinRouter(int32_t num_targets) : n_(num_targets) {}
  int32_t route(int32_t, Ns) override {
    int32_t t = next_ % n_;
    next_ = t + 1;
    return t;
  }
  void on_first_token(int32_t) override {}
  void on_finished(int32_t) override {}
  void release_queued(std::vector<std::pair<int32_t, int32_t>>&) override {}
  size_t queued() const override { return 0; }

 private:
  int32_t n_;
  int32_t next_ = 0;
};

}  // namespace dynosim
