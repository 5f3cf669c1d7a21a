// Every request of the workload, as flat arrays indexed by request id: what it asks for (prompt
// length, output length, block identities of its prompt) and where it stands in its engine.
#pragma once
#include <cstdint>
#include <vector>

#include "../common/hash.h"
#include "../common/types.h"

namespace dynosim {

enum class ReqStatus : uint8_t { Pending, Waiting, Running, Preempted, Done, Rejected };

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
  const BlockHash* prompt_ids(int32_t r) const { return &content_ids_[id_offset_[r]]; }
  // Identity of block i of request r's sequence (prompt and generated tokens).
  BlockHash block_id(int32_t r, int32_t i) const {
    return i < full_prompt_blocks(r) ? content_ids_[id_offset_[r] + i] : unique_block_id(r, i);
  }

  // Engine-side dynamic state.
  std::vector<ReqStatus> status;
  std::vector<uint32_t> num_computed;
  std::vector<uint32_t> generated;
  std::vector<std::vector<int32_t>> blocks;  // allocated pool blocks, in sequence order
  std::vector<int32_t> target;               // routing target the request runs on
  std::vector<uint32_t> pass_tokens;         // tokens scheduled in the current pass
  std::vector<uint32_t> pass_prompt_before;  // prompt tokens computed before the current pass
  std::vector<uint32_t> pass_prompt_tokens;  // prompt tokens scheduled in the current pass
  std::vector<uint64_t> pass_epoch;          // pass in which pass_* were written

  uint32_t seq_len(int32_t r) const { return input_len_[r] + generated[r]; }

 private:
  std::vector<uint32_t> input_len_, max_output_;
  std::vector<uint64_t> id_offset_;
  std::vector<BlockHash> content_ids_;
};

}  // namespace dynosim
