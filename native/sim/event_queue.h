// Min-heap of timed events ordered by (time, kind priority, planning time, insertion order), so
// simultaneous events resolve the same way on every run: pass completions first, then KV
// transfers landing, then workers becoming ready, then router queue rechecks. An event is normally planned when pushed, so
// planning time only matters for the last pass of a decode run, pushed when the run starts: it
// ranks as if pushed when that pass began.
#pragma once
#include <cstdint>
#include <queue>
#include <vector>

#include "../common/types.h"

namespace dynosim {

enum class EventKind : uint8_t { RouterRecheck = 0, WorkerReady = 1, TransferComplete = 2, WorkerCompletion = 3 };

struct Event {
  Ns at;
  Ns planned;
  uint64_t seq;
  EventKind kind;  // doubles as the priority: higher first among equal times
  uint8_t pool;
  int32_t subject;  // worker id, or request id for transfers (unused for rechecks)
};

class EventQueue {
 public:
  // Returns the event's sequence number, by which its owner can recognise it (or a stale one).
  // Each duration is checked where it is made; their sum is checked here, where the clock would
  // go: a run whose passes add up past the limit ends in the error, never in a wrapped time.
  uint64_t push(Ns at, EventKind kind, uint8_t pool, int32_t subject, Ns planned) {
    if (!(at >= 0 && at <= kMaxSimNs)) time_limit_exceeded();
    heap_.push(Event{at, planned, next_seq_, kind, pool, subject});
    return next_seq_++;
  }
  bool empty() const { return heap_.empty(); }
  const Event& top() const { return heap_.top(); }
  Event pop() {
    Event e = heap_.top();
    heap_.pop();
    return e;
  }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.at != b.at) return a.at > b.at;
      if (a.kind != b.kind) return a.kind < b.kind;
      if (a.planned != b.planned) return a.planned > b.planned;
      return a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace dynosim
