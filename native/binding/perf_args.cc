#include "perf_args.h"

#include <stdexcept>
#include <string>

namespace dynosim {

PerfModel parse_perf_model(const Napi::Object& engine) {
  PerfModel model;
  Napi::Value perf = engine.Get("perf");
  if (perf.IsUndefined() || perf.IsNull()) return model;
  if (!perf.IsObject()) throw std::invalid_argument("native config: engine.perf must be an object");
  Napi::Value kind = perf.As<Napi::Object>().Get("kind");
  std::string k = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  if (k != "polynomial") throw std::invalid_argument("native config: unknown perf model kind '" + k + "'");
  return model;
}

}  // namespace dynosim
