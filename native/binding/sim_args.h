// Reads the simulation's configuration and workload from the objects TypeScript hands over.
#pragma once
#include <napi.h>

#include <vector>

#include "../engine/engine_config.h"
#include "../engine/request_table.h"
#include "../router/router.h"
#include "../sim/simulation.h"
#include "../sim/workload_driver.h"

namespace dynosim {

EngineConfig parse_engine(const Napi::Object& engine);
SimConfig parse_sim_config(const Napi::Object& config);

// The workload's arrays, copied and validated; the views point into this object.
struct WorkloadArrays {
  std::vector<uint32_t> input_len, output_len, hash_offsets, hash_ids, session_start;
  std::vector<double> first_arrival, turn_delay;
  std::vector<uint32_t> run_tokens, output_run_ids;        // optional
  std::vector<uint32_t> shared_first_id;                   // optional: blockIdPattern
  std::vector<uint32_t> dep_offsets, dep_source, play_of;  // optional: agentic graph
  std::vector<double> dep_delay;
  std::vector<uint8_t> dep_on_dispatch;
  WorkloadView view;
  SessionView sessions;
};

void parse_workload(const Napi::Object& w, WorkloadArrays& out);

}  // namespace dynosim
