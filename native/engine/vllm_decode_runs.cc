// The vLLM/TRT-LLM engine's decode runs: many plain decode passes priced and completed at once.
#include <algorithm>
#include <limits>

#include "decode_run.h"
#include "vllm_engine.h"

namespace dynosim {

// Decode runs (see Engine). A pass of the run is what plan_pass and finish_pass would do when
// the queue admits nothing: every running request schedules its one dangling token (the budget
// covers them all), the batch is priced with the KV held, which no pass of the run changes, and
// each request emits one token. MTP bursts draw random numbers, so they never run in bulk.
int32_t VllmEngine::decode_run_room() const {
  if (cfg_.role == WorkerRole::Prefill || cfg_.nextn > 0 || running_count_ == 0) return 0;
  if (cfg_.max_num_batched_tokens > 0 && cfg_.max_num_batched_tokens < running_count_) return 0;
  const int64_t B = cfg_.block_size;
  int64_t room = std::numeric_limits<int32_t>::max();
  for (int32_t r : running_) {
    if (st_.status[r] != ReqStatus::Running) continue;
    const int64_t len = seq_len(r);
    if (st_.num_computed[r] + 1 != len || st_.generated[r] == 0) return 0;
    room = std::min(room, static_cast<int64_t>(st_.blocks[r].size()) * B - len + 1);  // pass m computes token len + m
    room = std::min<int64_t>(room, static_cast<int64_t>(st_.output_limit[r]) - st_.generated[r] - 1);
    if (cfg_.max_model_len > 0) room = std::min<int64_t>(room, cfg_.max_model_len - len - 1);
    if (room <= 0) return 0;
  }
  // Last, as it costs a prefix lookup, and only for a room a run can use (two passes or more).
  if (!waiting_.empty() && (room < 2 || !head_stays_waiting())) return 0;
  return static_cast<int32_t>(room);
}

// With requests waiting, every pass of a run must leave the queue as it is: the head neither turned
// away nor admitted (held by the sequence cap or the KV gate, or needing tokens the budget no
// longer has). A run moves no KV and changes no count the gate reads, so what holds for its first
// pass holds for all.
bool VllmEngine::head_stays_waiting() const {
  const int32_t r = waiting_.front();
  const int64_t max_seqs = cfg_.max_num_seqs > 0 ? cfg_.max_num_seqs : kUnbounded;
  if (running_count_ >= max_seqs) return true;
  if (turned_away(r)) return false;
  uint32_t cached = 0;
  if (!fits_now(r, &cached)) return true;
  const bool budget_left = cfg_.max_num_batched_tokens <= 0 || cfg_.max_num_batched_tokens > running_count_;
  return !budget_left && st_.num_computed[r] + cached < seq_len(r);
}

// Every pass of the run prices the whole running set, whose length sum is kept as requests
// join, grow and leave.
int32_t VllmEngine::price_decode_run(int32_t passes, Ns* durations) const {
  return price_growing_batch(passes, running_count_, running_len_, durations,
                             [this](int64_t batch, int64_t len) { return decode_step_ns(batch, len); });
}

PassWork VllmEngine::decode_run_work() const {
  PassWork w;
  w.sum_decode_kv_tokens = running_len_;
  w.num_decode_requests = running_count_;
  return w;
}

// Tokens are recorded pass by pass: every request of a pass shares its gap, which keeps the
// collector's run-length encoded gaps short (passes of a run differ in length).
void VllmEngine::complete_decode_run(const Ns* ends, int32_t count, PassOutput& out) {
  if (count <= 0) return;
  compact_running();
  collector_.on_run_tokens(running_.data(), running_.size(), ends, count);
  for (int32_t r : running_) {
    const uint32_t before = st_.num_computed[r];
    st_.generated[r] += count;
    st_.num_computed[r] = seq_len(r) - 1;
    promote_filled(r, before, st_.num_computed[r]);
  }
  running_len_ += static_cast<int64_t>(count) * running_count_;
  epoch_ += count;
  passed_since_mark_ = true;
  out.visible_tokens += count * running_count_;
  out.decode_forwards += count * running_count_;
}

}  // namespace dynosim
