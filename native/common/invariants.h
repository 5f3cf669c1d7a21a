// Invariant checks of the core. Compiled in with -DDYNOSIM_INVARIANTS, which the sanitizer build
// sets (CMakeLists.txt; `npm run build:asan`, the CI sanitizer job), so every native suite runs
// with them; the release build pays nothing. A broken invariant throws std::logic_error, which
// the binding turns into a JS Error naming it.
#pragma once
#include <stdexcept>
#include <string>

#ifdef DYNOSIM_INVARIANTS
#define DYNOSIM_INVARIANT(cond, what)                                                      \
  do {                                                                                     \
    if (!(cond)) throw std::logic_error(std::string("core invariant broken: ") + (what)); \
  } while (0)
#else
#define DYNOSIM_INVARIANT(cond, what) ((void)0)
#endif
