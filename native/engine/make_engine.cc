#include "make_engine.h"

#include <stdexcept>

#include "sglang_engine.h"
#include "vllm_engine.h"

namespace dynosim {

std::unique_ptr<Engine> make_engine(const EngineConfig& config, const RequestTable& requests, RequestState& state,
                                    Collector& collector, uint64_t rank_seed) {
  switch (config.kind) {
    case EngineKind::Vllm:
    case EngineKind::Trtllm:
      return std::make_unique<VllmEngine>(config, requests, state, collector, rank_seed);
    case EngineKind::Sglang:
      return std::make_unique<SglangEngine>(config, requests, state, collector, rank_seed);
  }
  throw std::invalid_argument("unknown engine kind");
}

}  // namespace dynosim
