#include "scanner_js.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../trace/mooncake_scanner.h"

namespace dynosim {

namespace {

// Hands the vector's memory to JS without a copy (freed when the array is collected).
template <typename TypedArray, typename T>
TypedArray to_js(Napi::Env env, std::vector<T>& v) {
  if (v.empty()) return TypedArray::New(env, 0);
  auto* owned = new std::vector<T>(std::move(v));
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
      env, owned->data(), owned->size() * sizeof(T), [](Napi::Env, void*, std::vector<T>* hint) { delete hint; }, owned);
  return TypedArray::New(env, owned->size(), buffer, 0);
}

class ScannerJs : public Napi::ObjectWrap<ScannerJs> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "MooncakeScanner",
                       {InstanceMethod("feed", &ScannerJs::Feed), InstanceMethod("feedFile", &ScannerJs::FeedFile),
                        InstanceMethod("finish", &ScannerJs::Finish),
                        InstanceMethod("stoppedAt", &ScannerJs::StoppedAt), InstanceMethod("take", &ScannerJs::Take)});
  }

  explicit ScannerJs(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ScannerJs>(info) {
    const double max = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : NAN;
    if (!(max >= 1 && max <= 1e12 && max == std::floor(max)))
      throw Napi::Error::New(info.Env(), "MooncakeScanner(maxLineBytes) needs a positive integer");
    scanner_ = std::make_unique<MooncakeScanner>(static_cast<size_t>(max));
    // An optional size hint (a plain file's length) sizes the arrays up front.
    if (info.Length() > 1 && info[1].IsNumber()) {
      const double bytes = info[1].As<Napi::Number>().DoubleValue();
      if (bytes >= 0 && bytes <= 1e12) scanner_->expect_bytes(static_cast<size_t>(bytes));
    }
  }

 private:
  Napi::Value Feed(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      throw Napi::Error::New(info.Env(), "MooncakeScanner.feed(bytes) needs a Uint8Array");
    if (!scanner_) throw Napi::Error::New(info.Env(), "MooncakeScanner: rows already taken");
    auto bytes = info[0].As<Napi::Uint8Array>();
    scanner_->feed(bytes.Data(), bytes.ElementLength());
    return Napi::Number::New(info.Env(), scanner_->stopped_at());
  }

  // A plain file's bytes, read here in 1 MB chunks into one buffer: no JS buffer, no trip through
  // the thread pool per chunk. The line where the scan stopped, or -1 when the file could not be
  // read (the loader then reads it itself and words the error).
  Napi::Value FeedFile(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::Error::New(env, "MooncakeScanner.feedFile(path) needs a path");
    if (!scanner_) throw Napi::Error::New(env, "MooncakeScanner: rows already taken");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    // Non-blocking open and a regular-file check: the path may have become a FIFO since the loader
    // looked at it, and opening that would wait for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return Napi::Number::New(env, -1);
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return Napi::Number::New(env, -1);
    }
    std::vector<uint8_t> chunk(size_t{1} << 20);
    double result = 0;
    for (;;) {
      const ssize_t got = ::read(fd, chunk.data(), chunk.size());
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        result = -1;
        break;
      }
      if (got == 0) break;
      scanner_->feed(chunk.data(), static_cast<size_t>(got));
      if (scanner_->stopped_at() != 0) break;
    }
    ::close(fd);
    return Napi::Number::New(env, result < 0 ? -1 : scanner_->stopped_at());
  }

  Napi::Value Finish(const Napi::CallbackInfo& info) {
    if (!scanner_) throw Napi::Error::New(info.Env(), "MooncakeScanner: rows already taken");
    scanner_->finish();
    return Napi::Number::New(info.Env(), scanner_->stopped_at());
  }

  Napi::Value StoppedAt(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), scanner_ ? scanner_->stopped_at() : 0);
  }

  // The rows, once; the scanner is released.
  Napi::Value Take(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!scanner_) throw Napi::Error::New(env, "MooncakeScanner: rows already taken");
    MooncakeScanner& s = *scanner_;
    auto o = Napi::Object::New(env);
    o.Set("line", to_js<Napi::Uint32Array>(env, s.line));
    o.Set("flags", to_js<Napi::Uint8Array>(env, s.flags));
    o.Set("timestamp", to_js<Napi::Float64Array>(env, s.timestamp));
    o.Set("delay", to_js<Napi::Float64Array>(env, s.delay));
    o.Set("input", to_js<Napi::Float64Array>(env, s.input));
    o.Set("output", to_js<Napi::Float64Array>(env, s.output));
    o.Set("session", to_js<Napi::Int32Array>(env, s.session));
    o.Set("hashEnd", to_js<Napi::Uint32Array>(env, s.hash_end));
    o.Set("hashIds", to_js<Napi::Uint32Array>(env, s.hash_ids));
    auto names = Napi::Array::New(env, s.session_names.size());
    for (size_t i = 0; i < s.session_names.size(); ++i)
      names.Set(static_cast<uint32_t>(i), Napi::String::New(env, s.session_names[i]));
    o.Set("sessionNames", names);
    scanner_.reset();
    return o;
  }

  std::unique_ptr<MooncakeScanner> scanner_;
};

}  // namespace

Napi::Function define_mooncake_scanner(Napi::Env env) { return ScannerJs::Define(env); }

}  // namespace dynosim
