// Every request of the workload as flat arrays indexed by request id: what it asks for (prompt
// length, output length, block identities of its prompt). Where it stands in an engine lives in
// a RequestState per pool: in disaggregated replay a request is on a prefill worker and a decode
// worker at once while its KV moves between them.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../common/hash.h"
#include "../common/types.h"

namespace dynosim {

enum class ReqStatus : uint8_t { Pending, Waiting, Running, Preempted, Done, Rejected, Held };

// Hash ids that follow a pattern instead of a list (synthetic workloads): request r has
// blocks_per_request ids, shared_first_id[r] + b for its first shared_blocks, then its private ids
// first_private_id + r * (blocks_per_request - shared_blocks) + (b - shared_blocks).
struct BlockIdPatternView {
  const uint32_t* shared_first_id = nullptr;  // null = no pattern
  uint32_t shared_blocks = 0;
  uint32_t blocks_per_request = 0;
  uint32_t first_private_id = 0;
};

struct WorkloadView {
  int32_t num_requests = 0;
  const uint32_t* input_length = nullptr;
  const uint32_t* output_length = nullptr;
  const uint32_t* hash_offsets = nullptr;  // num_requests + 1
  const uint32_t* hash_ids = nullptr;
  int32_t trace_block_size = 512;
  // Tokens of each hash id when they vary (mooncake-delta's accumulated prompts); null = every
  // hash id stands for trace_block_size tokens.
  const uint32_t* run_tokens = nullptr;
  // With run_tokens: the token id each request generates (its output_length tokens), giving its
  // generated blocks content a later prompt can match; null = generated blocks are private.
  const uint32_t* output_run_ids = nullptr;
  // When set, the ids come from the pattern and hash_offsets / hash_ids are unused.
  BlockIdPatternView pattern;
};

class RequestTable {
 public:
  // Keeps `w`'s arrays by reference: they must outlive the table (the addon owns both).
  RequestTable(const WorkloadView& w, int32_t block_size, bool prefix_caching);

  int32_t size() const { return w_.num_requests; }
  uint32_t input_len(int32_t r) const { return w_.input_length[r]; }
  uint32_t max_output(int32_t r) const { return w_.output_length[r]; }
  // Full prompt blocks, whose identities chain over content and can be shared.
  int32_t full_prompt_blocks(int32_t r) const { return static_cast<int32_t>(w_.input_length[r] / block_size_); }
  // Blocks with a content identity: the full prompt blocks, and past them the blocks filled by
  // generated tokens when those have content (output_run_ids).
  int32_t content_blocks(int32_t r) const {
    const uint64_t tokens = static_cast<uint64_t>(w_.input_length[r]) + (w_.output_run_ids != nullptr ? w_.output_length[r] : 0);
    return static_cast<int32_t>(tokens / block_size_);
  }
  const BlockHash* prompt_ids(int32_t r) const {
    std::unique_ptr<BlockHash[]>& ids = ids_[r];
    if (ids == nullptr) materialize(r, ids);
    return ids.get();
  }
  // Identity of block i of request r's sequence (prompt and generated tokens).
  BlockHash block_id(int32_t r, int32_t i) const {
    return i < content_blocks(r) ? prompt_ids(r)[i] : unique_block_id(r, i);
  }
  // The request is done everywhere: drop its block identities (a later look-up would simply
  // compute them again), so they take memory only while requests are in flight.
  void forget(int32_t r) { ids_[r].reset(); }

 private:
  void materialize(int32_t r, std::unique_ptr<BlockHash[]>& out) const;
  // Request r's trace hash ids: the workload's list, or the pattern's written into scratch_.
  const uint32_t* trace_ids(int32_t r) const;

  WorkloadView w_;
  int32_t block_size_;
  bool prefix_caching_;
  // Block identities (content_blocks(r) of them) of requests that have been looked at, computed on
  // first use; a bare pointer per request (8 bytes, not a vector's 24) as most are done or unseen.
  mutable std::vector<std::unique_ptr<BlockHash[]>> ids_;
  mutable std::vector<uint32_t> scratch_;
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
