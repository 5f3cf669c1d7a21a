// Count, sum and population variance of a multiset of values that come and go (a queue's
// lengths, a pass's batch), maintained in O(1) per change from the sum of squares.
#pragma once
#include <cstdint>

namespace dynosim {

class RunningMoments {
 public:
  void add(double x) {
    ++n_;
    sum_ += x;
    sumsq_ += x * x;
  }
  void remove(double x) {
    --n_;
    sum_ -= x;
    sumsq_ -= x * x;
  }
  int64_t count() const { return n_; }
  double sum() const { return sum_; }
  double variance() const {
    if (n_ <= 0) return 0.0;
    double mean = sum_ / static_cast<double>(n_);
    double v = sumsq_ / static_cast<double>(n_) - mean * mean;
    return v > 0 ? v : 0.0;
  }

 private:
  int64_t n_ = 0;
  double sum_ = 0, sumsq_ = 0;
};

}  // namespace dynosim
