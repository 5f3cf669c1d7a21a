// Min-heap of timed events ordered by (time, kind priority, insertion order), so simultaneous
// events resolve the same way on every run.
#pragma once
#include <cstdint>
#include <queue>
#include <vector>

#include "../common/types.h"

namespace dynosim {

enum class EventKind : uint8_t { WorkerCompletion = 0 };

struct Event {
  Ns at;
  uint8_t priority;  // higher first among equal times
  uint64_t seq;
  EventKind kind;
  int32_t subject;   // worker id
};

class EventQueue {
 public:
  void push(Ns at, EventKind kind, int32_t subject, uint8_t priority) {
    heap_.push(Event{at, priority, next_seq_++, kind, subject});
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
      if (a.priority != b.priority) return a.priority < b.priority;
      return a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace dynosim
