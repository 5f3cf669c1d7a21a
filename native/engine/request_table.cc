#include "request_table.h"

#include <algorithm>

namespace dynosim {

// Token t of request r is the trace hash id covering it (each hash id stands for
// trace_block_size identical tokens, or run_tokens[k] when given). An engine block's local hash is
// a hash of its runs of (hash id, run length); its identity chains the parent's identity with
// that local hash.
static uint64_t mix_run(uint64_t h, uint32_t id, int64_t len) {
  return hash_combine(h, (static_cast<uint64_t>(id) << 20) ^ static_cast<uint64_t>(len));
}
constexpr uint64_t kLocalSeed = 0x243f6a8885a308d3ULL;

static BlockHash local_block_hash(const uint32_t* ids, int64_t trace_bs, int64_t start, int64_t len) {
  uint64_t h = kLocalSeed;
  int64_t pos = start, end = start + len;
  while (pos < end) {
    int64_t j = pos / trace_bs;
    int64_t run_end = std::min<int64_t>((j + 1) * trace_bs, end);
    h = mix_run(h, ids[j], run_end - pos);
    pos = run_end;
  }
  return h;
}

// Local hashes of the first `full` blocks of a token stream given as runs of varying length: the
// prompt's runs (cut at `prompt_len`), then `tail_len` tokens of `tail_id` (a request's generated
// tokens, when the workload gives them content). Walked once.
static void run_block_hashes(const uint32_t* ids, const uint32_t* runs, uint32_t count, int64_t prompt_len,
                             uint32_t tail_id, int64_t tail_len, int32_t full, int32_t block_size, BlockHash* local_out) {
  uint32_t k = 0;
  int64_t prompt_left = prompt_len;
  bool in_tail = count == 0;
  uint32_t id = in_tail ? tail_id : ids[0];
  int64_t left = in_tail ? tail_len : std::min<int64_t>(runs[0], prompt_left);
  for (int32_t i = 0; i < full; ++i) {
    uint64_t h = kLocalSeed;
    for (int64_t need = block_size; need > 0;) {
      const int64_t take = std::min(left, need);
      h = mix_run(h, id, take);
      need -= take;
      left -= take;
      if (!in_tail) prompt_left -= take;
      if (left > 0) continue;
      if (!in_tail && ++k < count && prompt_left > 0) {
        id = ids[k];
        left = std::min<int64_t>(runs[k], prompt_left);
      } else if (!in_tail) {
        in_tail = true;
        id = tail_id;
        left = tail_len;
      } else {
        break;  // nothing left: cannot happen, `full` stays within the stream
      }
    }
    local_out[i] = h;
  }
}

RequestTable::RequestTable(const WorkloadView& w, int32_t block_size, bool prefix_caching)
    : w_(w), block_size_(block_size), prefix_caching_(prefix_caching), ids_(w.num_requests) {}

const uint32_t* RequestTable::trace_ids(int32_t r) const {
  const BlockIdPatternView& p = w_.pattern;
  if (p.shared_first_id == nullptr) return w_.hash_ids + w_.hash_offsets[r];
  scratch_.resize(p.blocks_per_request);
  uint32_t b = 0;
  for (uint32_t id = p.shared_first_id[r]; b < p.shared_blocks; ++b, ++id) scratch_[b] = id;
  const uint32_t fresh = p.blocks_per_request - p.shared_blocks;
  for (uint32_t id = p.first_private_id + static_cast<uint32_t>(r) * fresh; b < p.blocks_per_request; ++b, ++id) scratch_[b] = id;
  return scratch_.data();
}

void RequestTable::materialize(int32_t r, std::unique_ptr<BlockHash[]>& ids_out) const {
  const int32_t full = content_blocks(r);
  if (full == 0) return;
  ids_out.reset(new BlockHash[full]);
  BlockHash* out = ids_out.get();
  const uint32_t* ids = trace_ids(r);
  const int64_t trace_bs = w_.trace_block_size;
  const int32_t block_size = block_size_;
  BlockHash parent = 0;
  if (w_.run_tokens != nullptr) {
    const uint32_t count = w_.hash_offsets[r + 1] - w_.hash_offsets[r];
    const bool tail = w_.output_run_ids != nullptr;
    run_block_hashes(ids, w_.run_tokens + w_.hash_offsets[r], count, w_.input_length[r], tail ? w_.output_run_ids[r] : 0,
                     tail ? w_.output_length[r] : 0, full, block_size, out);
    for (int32_t i = 0; i < full; ++i) {
      parent = i == 0 ? out[i] : hash_combine(parent, out[i]);
      out[i] = prefix_caching_ ? content_block_id(parent) : unique_block_id(r, i);
    }
    return;
  }
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
