#include "mooncake_scanner.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "../common/invariants.h"

namespace dynosim {

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1, JavaScript's Number.MAX_SAFE_INTEGER
constexpr uint64_t kU32Max = 0xffffffffull;

bool is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// JavaScript's \s over ASCII (a blank line is skipped): JSON's whitespace plus \v and \f.
bool is_blank_char(uint8_t c) { return is_ws(c) || c == '\v' || c == '\f'; }

void skip_ws(const uint8_t*& p, const uint8_t* end) {
  while (p < end && is_ws(*p)) ++p;
}

bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

bool is_hex(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// One multi-byte UTF-8 character starting at p (a lead byte >= 0x80), as Node's isUtf8 accepts it:
// no overlong forms, no surrogates, nothing past U+10FFFF.
bool skip_utf8(const uint8_t*& p, const uint8_t* end) {
  const uint8_t c = *p;
  int more;
  uint8_t lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) more = 1;
  else if (c == 0xe0) more = 2, lo = 0xa0;
  else if (c == 0xed) more = 2, hi = 0x9f;
  else if (c >= 0xe1 && c <= 0xef) more = 2;
  else if (c == 0xf0) more = 3, lo = 0x90;
  else if (c == 0xf4) more = 3, hi = 0x8f;
  else if (c >= 0xf1 && c <= 0xf3) more = 3;
  else return false;
  if (end - p <= more) return false;
  if (p[1] < lo || p[1] > hi) return false;
  for (int i = 2; i <= more; ++i)
    if (p[i] < 0x80 || p[i] > 0xbf) return false;
  p += more + 1;
  return true;
}

// A JSON string at p (on its opening quote). On success p is past the closing quote, [*from, *to)
// are the raw bytes between the quotes and *escaped tells whether they hold an escape.
bool scan_string(const uint8_t*& p, const uint8_t* end, const uint8_t** from, const uint8_t** to, bool* escaped) {
  ++p;
  *from = p;
  *escaped = false;
  while (p < end) {
    const uint8_t c = *p;
    if (c == '"') {
      *to = p++;
      return true;
    }
    if (c < 0x20) return false;
    if (c == '\\') {
      *escaped = true;
      if (end - p < 2) return false;
      const uint8_t e = p[1];
      if (e == 'u') {
        if (end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5])) return false;
        p += 6;
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
        p += 2;
      } else {
        return false;
      }
    } else if (c >= 0x80) {
      if (!skip_utf8(p, end)) return false;
    } else {
      ++p;
    }
  }
  return false;
}

// A JSON number at p: its token is [*from, p) afterwards; *plain when it is digits only.
bool scan_number(const uint8_t*& p, const uint8_t* end, const uint8_t** from, bool* plain) {
  *from = p;
  *plain = true;
  if (p < end && *p == '-') ++p, *plain = false;
  if (p >= end || !is_digit(*p)) return false;
  if (*p == '0') ++p;
  else
    while (p < end && is_digit(*p)) ++p;
  if (p < end && *p == '.') {
    ++p, *plain = false;
    if (p >= end || !is_digit(*p)) return false;
    while (p < end && is_digit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p, *plain = false;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p >= end || !is_digit(*p)) return false;
    while (p < end && is_digit(*p)) ++p;
  }
  return true;
}

// The token's value as JSON.parse gives it; false when it lies past double range (JavaScript
// would make it Infinity or 0 with its own rounding).
bool number_value(const uint8_t* from, const uint8_t* to, double* v) {
  if (to - from <= 15 && is_digit(*from)) {
    // Plain digits below 10^15: the integer is exactly a double (the common case, timestamps and
    // lengths); a fraction or exponent is left to from_chars.
    uint64_t n = 0;
    const uint8_t* d = from;
    while (d < to && is_digit(*d)) n = n * 10 + static_cast<uint64_t>(*d++ - '0');
    if (d == to) {
      *v = static_cast<double>(n);
      return true;
    }
  }
  const auto r = std::from_chars(reinterpret_cast<const char*>(from), reinterpret_cast<const char*>(to), *v);
  return r.ec == std::errc() && r.ptr == reinterpret_cast<const char*>(to);
}

bool scan_literal(const uint8_t*& p, const uint8_t* end, const char* word, size_t n) {
  if (static_cast<size_t>(end - p) < n || std::memcmp(p, word, n) != 0) return false;
  p += n;
  return true;
}

// After a container's element: a comma (another element follows) or the closing bracket.
enum class Next : uint8_t { More, Closed, Bad };

Next separator(const uint8_t*& p, const uint8_t* end, uint8_t close) {
  skip_ws(p, end);
  if (p < end && *p == ',') {
    ++p;
    return Next::More;
  }
  if (p < end && *p == close) {
    ++p;
    return Next::Closed;
  }
  return Next::Bad;
}

// An object member's key and its colon at p: [*from, *to) are the key's raw bytes.
bool scan_key(const uint8_t*& p, const uint8_t* end, const uint8_t** from, const uint8_t** to, bool* escaped) {
  if (p >= end || *p != '"' || !scan_string(p, end, from, to, escaped)) return false;
  skip_ws(p, end);
  if (p >= end || *p != ':') return false;
  ++p;
  return true;
}

// Any JSON value at p, checked and skipped without recursion (nesting depth is the input's).
bool skip_value(const uint8_t*& p, const uint8_t* end, std::vector<uint8_t>& stack) {
  stack.clear();
  for (;;) {
    skip_ws(p, end);
    if (p >= end) return false;
    // One value.
    const uint8_t c = *p;
    bool opened = false;
    if (c == '{' || c == '[') {
      ++p;
      skip_ws(p, end);
      if (p < end && *p == (c == '{' ? '}' : ']')) {
        ++p;
      } else {
        stack.push_back(c);
        opened = true;
      }
    } else if (c == '"') {
      const uint8_t *a, *b;
      bool esc;
      if (!scan_string(p, end, &a, &b, &esc)) return false;
    } else if (c == 't') {
      if (!scan_literal(p, end, "true", 4)) return false;
    } else if (c == 'f') {
      if (!scan_literal(p, end, "false", 5)) return false;
    } else if (c == 'n') {
      if (!scan_literal(p, end, "null", 4)) return false;
    } else {
      const uint8_t* a;
      bool plain;
      if (!scan_number(p, end, &a, &plain)) return false;
    }
    if (opened && stack.back() == '{') {
      // First member's key.
      const uint8_t *a, *b;
      bool esc;
      if (!scan_key(p, end, &a, &b, &esc)) return false;
      continue;
    }
    if (opened) continue;
    // After a complete value: close containers or move to the next element.
    for (;;) {
      if (stack.empty()) return true;
      const uint8_t top = stack.back();
      const Next next = separator(p, end, top == '{' ? '}' : ']');
      if (next == Next::Bad) return false;
      if (next == Next::Closed) {
        stack.pop_back();
        continue;
      }
      if (top == '{') {
        skip_ws(p, end);
        const uint8_t *a, *b;
        bool esc;
        if (!scan_key(p, end, &a, &b, &esc)) return false;
      }
      break;
    }
  }
}

// What a field held, the last time its key appeared (JSON.parse keeps the last duplicate).
enum class Kind : uint8_t { Absent, Null, Number, String, Array, Other };

struct Slot {
  Kind kind = Kind::Absent;
  double number = 0;
  const uint8_t *from = nullptr, *to = nullptr;
};

enum Key : int { kTs, kCreated, kDelayKey, kDelayMs, kInputLength, kInputTokens, kOutputLength, kOutputTokens, kSession, kHashIds, kKeys };

int key_of(const uint8_t* a, size_t n) {
  auto is = [&](const char* w) { return std::strlen(w) == n && std::memcmp(a, w, n) == 0; };
  switch (n) {
    case 5: return is("delay") ? kDelayKey : -1;
    case 8: return is("hash_ids") ? kHashIds : is("delay_ms") ? kDelayMs : -1;
    case 9: return is("timestamp") ? kTs : -1;
    case 10: return is("session_id") ? kSession : -1;
    case 12: return is("created_time") ? kCreated : is("input_length") ? kInputLength : is("input_tokens") ? kInputTokens : -1;
    case 13: return is("output_length") ? kOutputLength : is("output_tokens") ? kOutputTokens : -1;
    default: return -1;
  }
}

// One hash id at p: its low 32 bits in *low. *exact: written in plain digits past 2^53 (the
// loader reads such ids from the text); *plain: digits only. False for anything JSON.parse and
// the loader would not take as a non-negative integer.
bool scan_hash_id(const uint8_t*& p, const uint8_t* end, uint32_t* low, bool* exact, bool* plain) {
  const uint8_t* a = p;
  uint64_t id = 0;
  *exact = false;
  *plain = true;
  if (p < end && is_digit(*p)) {
    // Fast path: up to 19 digits ending the number (no fraction or exponent) fit 64 bits.
    int digits = 0;
    if (*p == '0') ++p;
    else
      while (p < end && is_digit(*p) && digits < 19) id = id * 10 + static_cast<uint64_t>(*p++ - '0'), ++digits;
    if (!(p < end && (is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E'))) {
      *exact = id > static_cast<uint64_t>(kMaxSafeInteger);
      *low = static_cast<uint32_t>(id & kU32Max);
      return true;
    }
    p = a;
    id = 0;
  }
  if (!scan_number(p, end, &a, plain)) return false;
  if (*plain) {
    for (const uint8_t* d = a; d < p; ++d) {
      const uint64_t digit = static_cast<uint64_t>(*d - '0');
      if (id > (UINT64_MAX - digit) / 10) return false;  // past 64 bits
      id = id * 10 + digit;
    }
    *exact = id > static_cast<uint64_t>(kMaxSafeInteger);
  } else {
    double v;
    if (!number_value(a, p, &v) || !(v >= 0) || v != std::floor(v) || v > kMaxSafeInteger) return false;
    id = static_cast<uint64_t>(v);
  }
  *low = static_cast<uint32_t>(id & kU32Max);
  return true;
}

}  // namespace

// The `hash_ids` array at p (on its '['), replacing the row's ids from `row_start` on (JSON.parse
// keeps the last duplicate key).
bool MooncakeScanner::scan_hash_ids(const uint8_t*& p, const uint8_t* end, size_t row_start) {
  hash_ids.resize(row_start);
  ++p;
  skip_ws(p, end);
  if (p < end && *p == ']') {
    ++p;
    return true;
  }
  // Fast lane, the common spelling: ids of 1 to 9 plain digits (exact and below 2^32), each
  // followed by "," or ", " or the closing ']'. Anything else goes to the general loop below from
  // the id it starts at.
  for (;;) {
    const uint8_t* q = p;
    if (q >= end || !is_digit(*q)) break;
    uint32_t v = static_cast<uint32_t>(*q++ - '0');
    if (v != 0)
      for (int digits = 1; digits < 9 && q < end && is_digit(*q); ++digits) v = v * 10 + static_cast<uint32_t>(*q++ - '0');
    if (q >= end || (*q != ',' && *q != ']')) break;
    push_id(v);
    if (*q == ']') {
      p = q + 1;
      return true;
    }
    ++q;
    if (q < end && *q == ' ') ++q;
    p = q;
  }
  bool any_exact = false, any_not_plain = false;
  for (;;) {
    skip_ws(p, end);
    uint32_t low;
    bool exact, plain;
    if (!scan_hash_id(p, end, &low, &exact, &plain)) return false;
    any_exact |= exact;
    any_not_plain |= !plain;
    if (any_exact && any_not_plain) return false;  // the loader's exact re-read refuses such a list
    push_id(low);
    const Next next = separator(p, end, ']');
    if (next == Next::Bad) return false;
    if (next == Next::Closed) return true;
  }
}

void MooncakeScanner::expect_bytes(size_t bytes) {
  const size_t rows = bytes / 64;
  line.reserve(rows);
  flags.reserve(rows);
  timestamp.reserve(rows);
  delay.reserve(rows);
  input.reserve(rows);
  output.reserve(rows);
  session.reserve(rows);
  hash_end.reserve(rows);
  hash_ids.reserve(bytes / 8);
}

void MooncakeScanner::feed(const uint8_t* data, size_t size) {
  if (stopped_at_ != 0) return;
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  if (!carry_.empty()) {
    const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(p, '\n', size));
    if (nl == nullptr) {
      carry_.append(reinterpret_cast<const char*>(p), size);
      if (carry_.size() > max_line_bytes_) {
        ++line_no_;
        stop();
      }
      return;
    }
    carry_.append(reinterpret_cast<const char*>(p), static_cast<size_t>(nl - p));
    ++line_no_;
    const uint8_t* c = reinterpret_cast<const uint8_t*>(carry_.data());
    if (!scan_line(c, c + carry_.size())) return stop();
    carry_.clear();
    p = nl + 1;
  }
  for (;;) {
    const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) break;
    ++line_no_;
    if (!scan_line(p, nl)) return stop();
    p = nl + 1;
  }
  carry_.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(end - p));
  if (carry_.size() > max_line_bytes_) {
    ++line_no_;
    stop();
  }
}

void MooncakeScanner::finish() {
  if (stopped_at_ != 0 || carry_.empty()) return;
  ++line_no_;
  const uint8_t* c = reinterpret_cast<const uint8_t*>(carry_.data());
  if (!scan_line(c, c + carry_.size())) return stop();
  carry_.clear();
}

// One line (without its newline). False: the loader must read this line itself.
bool MooncakeScanner::scan_line(const uint8_t* p, const uint8_t* end) {
  if (line_no_ == 1 && end - p >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) p += 3;  // BOM
  {
    const uint8_t* q = p;
    while (q < end && is_blank_char(*q)) ++q;
    if (q == end) return true;
  }
  skip_ws(p, end);
  if (p >= end || *p != '{') return false;
  ++p;
  Slot slots[kKeys];
  const size_t hash_start = hash_ids.size();
  std::vector<uint8_t>& stack = stack_;
  skip_ws(p, end);
  if (p < end && *p == '}') {
    ++p;
  } else {
    for (;;) {
      skip_ws(p, end);
      const uint8_t *ka, *kb;
      bool kesc;
      if (!scan_key(p, end, &ka, &kb, &kesc)) return false;
      if (kesc) return false;  // a key spelt with escapes might name a field
      skip_ws(p, end);
      if (p >= end) return false;
      const int key = key_of(ka, static_cast<size_t>(kb - ka));
      Slot* slot = key >= 0 ? &slots[key] : nullptr;
      if (slot && *p == 'n') {
        if (!scan_literal(p, end, "null", 4)) return false;
        slot->kind = Kind::Null;
        if (key == kHashIds) hash_ids.resize(hash_start);
      } else if (key == kHashIds) {
        if (*p != '[' || !scan_hash_ids(p, end, hash_start)) return false;
        slot->kind = Kind::Array;
      } else if (key == kSession && *p == '"') {
        const uint8_t *a, *b;
        bool esc;
        if (!scan_string(p, end, &a, &b, &esc) || esc) return false;
        slot->kind = Kind::String;
        slot->from = a;
        slot->to = b;
      } else if (slot && key != kSession && (*p == '-' || is_digit(*p))) {
        const uint8_t* a;
        bool plain;
        if (!scan_number(p, end, &a, &plain) || !number_value(a, p, &slot->number)) return false;
        slot->kind = Kind::Number;
      } else {
        if (!skip_value(p, end, stack)) return false;
        if (slot) slot->kind = Kind::Other;
      }
      const Next next = separator(p, end, '}');
      if (next == Next::Bad) return false;
      if (next == Next::Closed) break;
    }
  }
  skip_ws(p, end);
  if (p != end) return false;

  // The loader's field rules: a name, else its alias (null counts as absent); a present field of
  // the wrong type is the loader's error to word.
  uint8_t f = 0;
  auto pick_number = [&](int name, int alias, uint8_t flag, double* out, bool count) {
    const Slot* s = &slots[name];
    if (s->kind == Kind::Absent || s->kind == Kind::Null) s = &slots[alias];
    if (s->kind == Kind::Absent || s->kind == Kind::Null) {
      *out = 0;
      return true;
    }
    if (s->kind != Kind::Number) return false;
    if (count && !(s->number >= 0 && s->number == std::floor(s->number))) return false;
    *out = s->number;
    f |= flag;
    return true;
  };
  double ts, dl, in, out;
  if (!pick_number(kTs, kCreated, kHasTimestamp, &ts, false) || !pick_number(kDelayKey, kDelayMs, kHasDelay, &dl, false) ||
      !pick_number(kInputLength, kInputTokens, kHasInput, &in, true) || !pick_number(kOutputLength, kOutputTokens, kHasOutput, &out, true))
    return false;
  int32_t sid = -1;
  const Slot& s = slots[kSession];
  if (s.kind == Kind::String) {
    name_scratch_.assign(reinterpret_cast<const char*>(s.from), static_cast<size_t>(s.to - s.from));
    auto it = session_index_.find(name_scratch_);
    if (it == session_index_.end()) {
      sid = static_cast<int32_t>(session_names.size());
      session_index_.emplace(name_scratch_, sid);
      session_names.push_back(name_scratch_);
    } else {
      sid = it->second;
    }
  } else if (s.kind != Kind::Absent && s.kind != Kind::Null) {
    return false;
  }
  if (slots[kHashIds].kind == Kind::Array) f |= kHasHashIds;
  else hash_ids.resize(hash_start);
  if (hash_ids.size() > kU32Max) return false;

  line.push_back(line_no_);
  flags.push_back(f);
  timestamp.push_back(ts);
  delay.push_back(dl);
  input.push_back(in);
  output.push_back(out);
  session.push_back(sid);
  hash_end.push_back(static_cast<uint32_t>(hash_ids.size()));
  DYNOSIM_INVARIANT(hash_end.size() == line.size() && session.size() == line.size(), "scanner rows parallel");
  return true;
}

}  // namespace dynosim
