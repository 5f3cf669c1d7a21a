// What a forward pass hands to the event loop, to be applied when the pass ends.
#pragma once
#include <cstdint>
#include <vector>

namespace dynosim {

enum class Signal : uint8_t { FirstToken, Finished };

struct PassOutput {
  std::vector<std::pair<int32_t, Signal>> signals;  // in emission order
  void clear() { signals.clear(); }
};

}  // namespace dynosim
