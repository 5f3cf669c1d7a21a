// Typed, validated reads of the plain JS objects handed to the core. Every failure is a one-line
// std::invalid_argument naming the field by its path ("engine.perf.contextAttention.heads");
// the addon turns it into a JS Error.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace dynosim::js {

[[noreturn]] inline void fail(const std::string& message) { throw std::invalid_argument(message); }

// Whole numbers in full (1048576, not 1.04858e+06), others as %g.
inline std::string num_text(double d) {
  char buf[32];
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", d);
  else std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

// One object being read, with its path for messages.
struct Field {
  Napi::Object obj;
  std::string path;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw std::invalid_argument("native config: " + path + "." + key + " " + what);
  }

  Napi::Value get(const std::string& key) const { return obj.Get(key); }

  bool is_null(const std::string& key) const {
    Napi::Value v = get(key);
    return v.IsNull() || v.IsUndefined();
  }

  double number(const std::string& key, double lo, double hi) const {
    Napi::Value v = get(key);
    if (!v.IsNumber()) fail(key, "must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d < lo || d > hi)
      fail(key, "must be a finite number in [" + num_text(lo) + ", " + num_text(hi) + "], got " + num_text(d));
    return d;
  }

  double positive(const std::string& key) const {
    double d = number(key, 0, 1e300);
    if (!(d > 0)) fail(key, "must be positive");
    return d;
  }

  int64_t integer(const std::string& key, int64_t lo, int64_t hi) const {
    double d = number(key, static_cast<double>(lo), static_cast<double>(hi));
    if (d != std::floor(d)) fail(key, "must be an integer");
    return static_cast<int64_t>(d);
  }

  bool boolean(const std::string& key) const {
    Napi::Value v = get(key);
    if (!v.IsBoolean()) fail(key, "must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  std::string string(const std::string& key) const {
    Napi::Value v = get(key);
    if (!v.IsString()) fail(key, "must be a string");
    return v.As<Napi::String>().Utf8Value();
  }

  // Optional fields: absent or null takes the default. Every number has a range: NaN or an
  // infinity handed in here once crashed or hung the core.
  double number_or(const std::string& key, double fallback, double lo, double hi) const {
    return is_null(key) ? fallback : number(key, lo, hi);
  }
  int64_t integer_or(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const {
    return is_null(key) ? fallback : integer(key, lo, hi);
  }
  bool boolean_or(const std::string& key, bool fallback) const { return is_null(key) ? fallback : boolean(key); }
  std::string string_or(const std::string& key, const std::string& fallback) const {
    return is_null(key) ? fallback : string(key);
  }

  Field object(const std::string& key) const {
    Napi::Value v = get(key);
    if (!v.IsObject() || v.IsArray()) fail(key, "must be an object");
    return Field{v.As<Napi::Object>(), path + "." + key};
  }

  std::vector<Field> objects(const std::string& key) const {
    Napi::Value v = get(key);
    if (!v.IsArray()) fail(key, "must be an array");
    auto arr = v.As<Napi::Array>();
    std::vector<Field> out;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value e = arr.Get(i);
      std::string p = path + "." + key + "[" + std::to_string(i) + "]";
      if (!e.IsObject() || e.IsArray()) throw std::invalid_argument("native config: " + p + " must be an object");
      out.push_back(Field{e.As<Napi::Object>(), p});
    }
    return out;
  }

  std::vector<double> numbers(const std::string& key) const {
    Napi::Value v = get(key);
    if (!v.IsArray()) fail(key, "must be an array of numbers");
    auto arr = v.As<Napi::Array>();
    std::vector<double> out;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value e = arr.Get(i);
      if (!e.IsNumber()) fail(key, "must be an array of numbers");
      out.push_back(e.As<Napi::Number>().DoubleValue());
    }
    return out;
  }

  template <typename T, napi_typedarray_type Kind>
  std::vector<T> typed(const std::string& key, const char* type_name) const {
    Napi::Value v = get(key);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Kind) fail(key, std::string("must be a ") + type_name);
    auto arr = v.As<Napi::TypedArrayOf<T>>();
    return std::vector<T>(arr.Data(), arr.Data() + arr.ElementLength());
  }

  std::vector<double> f64(const std::string& key, bool finite = true) const {
    std::vector<double> out = typed<double, napi_float64_array>(key, "Float64Array");
    if (finite)
      for (size_t i = 0; i < out.size(); ++i)
        if (!std::isfinite(out[i]))
          throw std::invalid_argument("native config: " + path + "." + key + "[" + std::to_string(i) + "] must be finite");
    return out;
  }
  std::vector<int32_t> i32(const std::string& key) const { return typed<int32_t, napi_int32_array>(key, "Int32Array"); }
  std::vector<uint32_t> u32(const std::string& key) const { return typed<uint32_t, napi_uint32_array>(key, "Uint32Array"); }
  // The JS array itself, for data held rather than copied.
  Napi::Uint32Array u32_array(const std::string& key) const {
    Napi::Value v = get(key);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) fail(key, "must be a Uint32Array");
    return v.As<Napi::Uint32Array>();
  }
  std::vector<uint8_t> u8(const std::string& key) const { return typed<uint8_t, napi_uint8_array>(key, "Uint8Array"); }

  void expect_length(const std::string& key, size_t got, size_t want) const {
    if (got != want) fail(key, "has length " + std::to_string(got) + ", expected " + std::to_string(want));
  }
};

}  // namespace dynosim::js
