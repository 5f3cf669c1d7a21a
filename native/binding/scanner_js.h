// The Mooncake trace scanner as a JS class: `new MooncakeScanner(maxLineBytes, expectedBytes?)`, `feed(bytes)`,
// `finish()`, `stoppedAt()` and `take()`, which hands the rows over as typed arrays.
#pragma once
#include <napi.h>

namespace dynosim {

Napi::Function define_mooncake_scanner(Napi::Env env);

}  // namespace dynosim
