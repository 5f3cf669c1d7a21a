#include "request_table.h"

#include <algorithm>

namespace dynosim {

// Token t of request r is the trace hash id covering it (each hash id stands for
// trace_block_size identical tokens). An engine block's local hash is a hash of its runs of
// (hash id, run length); its identity chains the parent's identity with that local hash.
static BlockHash local_block_hash(const uint32_t* ids, int64_t trace_bs, int64_t start, int64_t len) {
  uint64_t h = 0x243f6a8885a308d3ULL;
  int64_t pos = start, end = start + len;
  while (pos < end) {
    int64_t j = pos / trace_bs;
    int64_t run_end = std::min<int64_t>((j + 1) * trace_bs, end);
    h = hash_combine(h, (static_cast<uint64_t>(ids[j]) << 20) ^ static_cast<uint64_t>(run_end - pos));
    pos = run_end;
  }
  return h;
}

RequestTable::RequestTable(const WorkloadView& w, int32_t block_size, bool prefix_caching)
    : w_(w), block_size_(block_size), prefix_caching_(prefix_caching), ids_(w.num_requests) {}

void RequestTable::materialize(int32_t r, std::vector<BlockHash>& out) const {
  const int32_t full = full_prompt_blocks(r);
  if (full == 0) return;
  out.resize(full);
  const uint32_t* ids = w_.hash_ids + w_.hash_offsets[r];
  const int64_t trace_bs = w_.trace_block_size;
  const int32_t block_size = block_size_;
  BlockHash parent = 0;
  // Blocks inside one trace block share their content: hash it once per distinct run. The
  // chaining step then costs one mix per block.
  int64_t cached_trace_block = -1;
  uint64_t mixed_local = 0, local = 0;
  for (int32_t i = 0; i < full; ++i) {
    const int64_t start = static_cast<int64_t>(i) * block_size;
    const int64_t j = start / trace_bs;
    const bool within_one = (start + block_size) <= (j + 1) * trace_bs;
    if (!within_one || j != cached_trace_block) {
      local = local_block_hash(ids, trace_bs, start, block_size);
      mixed_local = mix_local(local);
      cached_trace_block = within_one ? j : -1;
    }
    parent = i == 0 ? local : chain(parent, mixed_local);
    // Without prefix caching every block is private to its request.
    out[i] = prefix_caching_ ? content_block_id(parent) : unique_block_id(r, i);
  }
}

}  // namespace dynosim
