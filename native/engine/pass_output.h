// What a forward pass hands to the event loop, to be applied when the pass ends.
#pragma once
#include <cstdint>
#include <vector>

namespace dynosim {

enum class Signal : uint8_t { FirstToken, Finished };

struct PassOutput {
  std::vector<std::pair<int32_t, Signal>> signals;  // in emission order
  int64_t visible_tokens = 0;   // output tokens emitted by the pass
  int64_t decode_forwards = 0;  // requests that emitted tokens
  void clear() {
    signals.clear();
    visible_tokens = decode_forwards = 0;
  }
};

}  // namespace dynosim
