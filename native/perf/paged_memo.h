// Exact memo of a pure function of two small non-negative integers (row, column) -> double, such as
// a decode step's latency by (batch, context). Rows are indexed directly; each row keeps pages of
// consecutive columns made on first use, so a worker whose context grows by one per step reads
// neighbouring slots, and memory follows the keys actually asked for. Past its budget the memo
// stops making pages and the caller computes (the answer is the same either way).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "../common/invariants.h"

namespace dynosim {

class PagedMemo {
 public:
  static constexpr int kPageBits = 10;
  static constexpr int64_t kPageSize = int64_t{1} << kPageBits;

  PagedMemo() = default;
  PagedMemo(int64_t max_rows, int64_t max_columns, size_t budget_bytes)
      : max_rows_(max_rows), max_columns_(max_columns), page_budget_(budget_bytes / (kPageSize * sizeof(double))) {}

  // The slot for (row, column), or nullptr when the key is out of range or the budget is spent.
  // A slot holds NaN until the caller stores the value.
  double* slot(int64_t row, int64_t column) {
    if (row < 0 || row >= max_rows_ || column < 0 || column >= max_columns_) return nullptr;
    const size_t r = static_cast<size_t>(row);
    if (r >= rows_.size()) rows_.resize(r + 1);
    std::vector<std::unique_ptr<double[]>>& pages = rows_[r];
    const size_t p = static_cast<size_t>(column >> kPageBits);
    if (p >= pages.size()) pages.resize(p + 1);
    std::unique_ptr<double[]>& page = pages[p];
    if (!page) {
      if (pages_made_ >= page_budget_) return nullptr;
      page.reset(new double[kPageSize]);
      for (int64_t i = 0; i < kPageSize; ++i) page[i] = kUnset;
      ++pages_made_;
      DYNOSIM_INVARIANT(pages_made_ <= page_budget_, "memo pages within their budget");
    }
    return &page[column & (kPageSize - 1)];
  }

  static bool unset(double v) { return std::isnan(v); }

  void clear() {
    rows_.clear();
    pages_made_ = 0;
  }

 private:
  static constexpr double kUnset = std::numeric_limits<double>::quiet_NaN();
  int64_t max_rows_ = 0, max_columns_ = 0;
  size_t page_budget_ = 0, pages_made_ = 0;
  std::vector<std::vector<std::unique_ptr<double[]>>> rows_;
};

}  // namespace dynosim
