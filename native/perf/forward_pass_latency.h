// One observed forward pass priced by the AIC model as aiconfigurator-core prices forward-pass
// telemetry (engine/runtime.rs `rank_latency_ms`, session.rs `get_mix_step_ops`): the planner's
// native perf model (`aic_perf_model`). Counts are taken as reported (no MTP multiplier).
#pragma once
#include "../metrics/forward_pass.h"
#include "aic_model.h"

namespace dynosim {

// Prefill-only: the context ops at the per-request averages; decode-only: one generation step at
// the average KV length; mixed: non-attention ops over prefill + decode tokens, plus the prefill's
// context attention and the decode batch's generation attention. 0 for a pass with no work.
double aic_forward_pass_ms(const AicModel& aic, const PassWork& pass);

}  // namespace dynosim
