// Every request of the workload as flat arrays indexed by request id: what it asks for (prompt
// length, output length, block identities of its prompt). Where it stands in an engine lives in
// a RequestState per pool: in disaggregated replay a request is on a prefill worker and a decode
// worker at once while its KV moves between them.
#pragma once
#include <cstdint>
#include <vector>

#include "../common/hash.h"
#include "../common/types.h"

namespace dynosim {

enum class ReqStatus : uint8_t { Pending, Waiting, Running, Preempted, Done, Rejected, Held };

struct WorkloadView {
  int32_t num_requests = 0;
  const uint32_t* input_length = nullptr;
  const uint32_t* output_length = nullptr;
  const uint32_t* hash_offsets = nullptr;  // num_requests + 1
  const uint32_t* hash_ids = nullptr;
  int32_t trace_block_size = 512;
};

class RequestTable {
 public:
  RequestTable(const WorkloadView& w, int32_t block_size, bool prefix_caching);

  int32_t size() const { return static_cast<int32_t>(input_len_.size()); }
  uint32_t input_len(int32_t r) const { return input_len_[r]; }
  uint32_t max_output(int32_t r) const { return max_output_[r]; }
  // Full prompt blocks, whose identities chain over content and can be shared.
  int32_t full_prompt_blocks(int32_t r) const { return static_cast<int32_t>(id_offset_[r + 1] - id_offset_[r]); }
  const BlockHash* prompt_ids(int32_t r) const { return content_ids_.data() + id_offset_[r]; }
  // Identity of block i of request r's sequence (prompt and generated tokens).
  BlockHash block_id(int32_t r, int32_t i) const {
    return i < full_prompt_blocks(r) ? content_ids_[id_offset_[r] + i] : unique_block_id(r, i);
  }

 private:
  std::vector<uint32_t> input_len_, max_output_;
  std::vector<uint64_t> id_offset_;
  std::vector<BlockHash> content_ids_;
};

// Engine-side state of every request within one pool of workers.
struct RequestState {
  explicit RequestState(int32_t n)
      : status(n, ReqStatus::Pending),
        num_computed(n, 0),
        generated(n, 0),
        output_limit(n, 0),
        blocks(n),
        target(n, -1),
        pass_tokens(n, 0),
        pass_prompt_before(n, 0),
        pass_prompt_tokens(n, 0),
        pass_epoch(n, 0) {}

  std::vector<ReqStatus> status;
  std::vector<uint32_t> num_computed;
  std::vector<uint32_t> generated;
  std::vector<uint32_t> output_limit;        // tokens this pool generates for the request
  std::vector<std::vector<int32_t>> blocks;  // allocated pool blocks, in sequence order
  std::vector<int32_t> target;               // routing target (worker × dp rank) in this pool
  std::vector<uint32_t> pass_tokens;         // tokens scheduled in the current pass
  std::vector<uint32_t> pass_prompt_before;  // prompt tokens computed before the current pass
  std::vector<uint32_t> pass_prompt_tokens;  // prompt tokens scheduled in the current pass
  std::vector<uint64_t> pass_epoch;          // pass in which pass_* were written
};

}  // namespace dynosim
