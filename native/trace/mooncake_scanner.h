// Reads Mooncake JSONL rows into flat arrays, fed in chunks of bytes (a file read or a gzip
// stream's output): per row its line number, the fields the loader needs (`timestamp`/
// `created_time`, `delay`/`delay_ms`, `input_length`/`input_tokens`, `output_length`/
// `output_tokens`, `session_id`, `hash_ids` truncated to 32 bits), unknown fields checked as JSON
// and skipped. Session ids are interned: a row carries an index into `session_names`.
//
// It decides nothing the TypeScript loader words: rows are handed on for the loader's checks
// (sessions, delays, limits). Any line it does not read exactly as JSON.parse would — invalid JSON,
// a field of the wrong type, escapes in a session id or key, numbers past double range, hash ids
// past 2^53 not written as plain digits, invalid UTF-8, a line past the length limit — stops the
// scan and is reported by `stopped_at()`; the loader then reads the file itself and words the error
// (or accepts the line, when only this scanner could not).
#pragma once
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace dynosim {

class MooncakeScanner {
 public:
  // Which optional fields a row has (after JSON's null-is-absent and the alias rule).
  enum Flag : uint8_t { kHasTimestamp = 1, kHasDelay = 2, kHasInput = 4, kHasOutput = 8, kHasHashIds = 16 };

  explicit MooncakeScanner(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Sizes the arrays for a file of about `bytes` bytes (a typical row takes more than 64 bytes, a
  // hash id more than 8), so they grow by copying rarely; reserving touches no memory.
  void expect_bytes(size_t bytes);

  // Scans the complete lines of `data`, keeping a partial last line for the next chunk.
  void feed(const uint8_t* data, size_t size);
  // Scans a final line without newline.
  void finish();

  // 0 while every line so far was read; else the line where the scan stopped.
  uint32_t stopped_at() const { return stopped_at_; }

  // Per row (non-blank line), in file order.
  std::vector<uint32_t> line;
  std::vector<uint8_t> flags;
  std::vector<double> timestamp, delay, input, output;
  std::vector<int32_t> session;  // index into session_names, -1 = no session_id
  std::vector<uint32_t> hash_end;
  std::vector<uint32_t> hash_ids;
  std::vector<std::string> session_names;

 private:
  bool scan_line(const uint8_t* p, const uint8_t* end);
  bool scan_hash_ids(const uint8_t*& p, const uint8_t* end, size_t row_start);
  // Appends one hash id, growing the array by doubling (kept inline: the scan's innermost step).
  void push_id(uint32_t id) {
    if (hash_ids.size() == hash_ids.capacity()) hash_ids.reserve(std::max<size_t>(1 << 16, 2 * hash_ids.capacity()));
    hash_ids.push_back(id);
  }
  void stop() {
    if (stopped_at_ == 0) stopped_at_ = line_no_;
  }

  size_t max_line_bytes_;
  uint32_t line_no_ = 0;
  uint32_t stopped_at_ = 0;
  std::string carry_;
  std::unordered_map<std::string, int32_t> session_index_;
  std::string name_scratch_;
  std::vector<uint8_t> stack_;  // open containers while skipping a value
};

}  // namespace dynosim
