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
  // Columns are kept up to `max_columns` rounded down to whole pages (so a page never holds a
  // column past the bound).
  PagedMemo(int64_t max_rows, int64_t max_columns, size_t budget_bytes)
      : max_rows_(max_rows),
        max_columns_(max_columns / kPageSize * kPageSize),
        page_budget_(budget_bytes / (kPageSize * sizeof(double))) {}

  // The slot for (row, column), or nullptr when the key is out of range or the budget is spent.
  // A slot holds NaN until the caller stores the value. The common case, a page already made,
  // costs two bounds checks and two loads (called once per priced pass).
  double* slot(int64_t row, int64_t column) {
    // Negative keys wrap to huge unsigned values and fail the size checks.
    const uint64_t r = static_cast<uint64_t>(row), p = static_cast<uint64_t>(column) >> kPageBits;
    if (r < rows_.size()) {
      const std::vector<double*>& pages = rows_[r];
      if (p < pages.size() && pages[p] != nullptr) return pages[p] + (column & (kPageSize - 1));
    }
    return make_slot(row, column);
  }

  static bool unset(double v) { return std::isnan(v); }

  void clear() {
    rows_.clear();
    storage_.clear();
  }

 private:
  double* make_slot(int64_t row, int64_t column) {
    if (row < 0 || row >= max_rows_ || column < 0 || column >= max_columns_) return nullptr;
    const size_t r = static_cast<size_t>(row);
    if (r >= rows_.size()) rows_.resize(r + 1);
    std::vector<double*>& pages = rows_[r];
    const size_t p = static_cast<size_t>(column >> kPageBits);
    if (p >= pages.size()) pages.resize(p + 1, nullptr);
    if (pages[p] == nullptr) {
      if (storage_.size() >= page_budget_) return nullptr;
      std::unique_ptr<double[]> page(new double[kPageSize]);
      for (int64_t i = 0; i < kPageSize; ++i) page[i] = kUnset;
      pages[p] = page.get();
      storage_.push_back(std::move(page));
      DYNOSIM_INVARIANT(storage_.size() <= page_budget_, "memo pages within their budget");
    }
    return pages[p] + (column & (kPageSize - 1));
  }

  static constexpr double kUnset = std::numeric_limits<double>::quiet_NaN();
  int64_t max_rows_ = 0, max_columns_ = 0;
  size_t page_budget_ = 0;
  // Page pointers by row and page index (null: not made); the pages are owned by `storage_`.
  std::vector<std::vector<double*>> rows_;
  std::vector<std::unique_ptr<double[]>> storage_;
};

}  // namespace dynosim
