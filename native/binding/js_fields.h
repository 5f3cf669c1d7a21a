// Typed, validated reads of plain JS objects handed to the core. Each failure is a one-line
// std::invalid_argument naming the field; the addon turns it into a JS Error.
#pragma once
#include <napi.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace dynosim::js {

[[noreturn]] inline void fail(const std::string& message) { throw std::invalid_argument(message); }

inline bool present(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return !v.IsUndefined() && !v.IsNull();
}

inline double number(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) fail(std::string("native config: ") + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline int64_t integer(const Napi::Object& o, const char* key, int64_t fallback, int64_t min, int64_t max) {
  double d = number(o, key, static_cast<double>(fallback));
  if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max))
    fail(std::string("native config: ") + key + " must be an integer in [" + std::to_string(min) + ", " +
         std::to_string(max) + "], got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

inline bool boolean(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsBoolean()) fail(std::string("native config: ") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

inline std::string string(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsString()) fail(std::string("native config: ") + key + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

inline Napi::Object object(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsObject()) fail(std::string("native config: ") + key + " must be an object");
  return v.As<Napi::Object>();
}

template <typename T, napi_typedarray_type Kind>
std::vector<T> typed_array(const Napi::Object& o, const char* key, size_t expected_len, bool check_len) {
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Kind)
    fail(std::string("native workload: ") + key + " must be a typed array of the expected element type");
  auto arr = v.As<Napi::TypedArrayOf<T>>();
  if (check_len && arr.ElementLength() != expected_len)
    fail(std::string("native workload: ") + key + " has length " + std::to_string(arr.ElementLength()) +
         ", expected " + std::to_string(expected_len));
  return std::vector<T>(arr.Data(), arr.Data() + arr.ElementLength());
}

}  // namespace dynosim::js
