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

// The workload's arrays, validated; the views point into this object, and into the JS hashIds
// array, which is held rather than copied (often the workload's largest: 100 MB for a million
// conversation turns). Any content of it is valid; only its detaching (JS can transfer a buffer
// between batches) would leave the view dangling: check_held() refuses that before each batch.
struct WorkloadArrays {
  std::vector<uint32_t> input_len, output_len, hash_offsets, session_start;
  Napi::Reference<Napi::Uint32Array> hash_ids_js;
  size_t hash_ids_len = 0;
  std::vector<double> first_arrival, turn_delay;
  std::vector<uint32_t> run_tokens, output_run_ids;        // optional
  std::vector<uint32_t> shared_first_id;                   // optional: blockIdPattern
  std::vector<uint32_t> dep_offsets, dep_source, play_of;  // optional: agentic graph
  std::vector<double> dep_delay;
  std::vector<uint8_t> dep_on_dispatch;
  WorkloadView view;
  SessionView sessions;

  void check_held() const;
};

void parse_workload(const Napi::Object& w, WorkloadArrays& out);

}  // namespace dynosim
