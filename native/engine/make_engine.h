// Builds the engine of one attention-DP rank for the configured engine policy.
#pragma once
#include <memory>

#include "../metrics/collector.h"
#include "engine.h"
#include "engine_config.h"
#include "request_table.h"

namespace dynosim {

std::unique_ptr<Engine> make_engine(const EngineConfig& config, const RequestTable& requests, RequestState& state,
                                    Collector& collector, uint64_t rank_seed);

}  // namespace dynosim
