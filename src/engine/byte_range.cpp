#include "engine/byte_range.h"

#include <charconv>

namespace fetchpool::engine {

std::string format_ranges(const std::vector<ByteRange>& ranges) {
  std::string text;
  for (const ByteRange& range : ranges) {
    if (!text.empty()) text += ',';
    text += std::to_string(range.begin) + '-' + std::to_string(range.end);
  }
  return text;
}

bool parse_ranges(const std::string& text, std::int64_t total, std::vector<ByteRange>* ranges) {
  std::vector<ByteRange> parsed;
  const char* at = text.data();
  const char* end = text.data() + text.size();
  while (at < end) {
    ByteRange range;
    auto [after_begin, begin_error] = std::from_chars(at, end, range.begin);
    if (begin_error != std::errc() || after_begin == end || *after_begin != '-') return false;
    auto [after_end, end_error] = std::from_chars(after_begin + 1, end, range.end);
    if (end_error != std::errc()) return false;
    std::int64_t previous_end = parsed.empty() ? 0 : parsed.back().end;
    bool in_order = parsed.empty() ? range.begin >= 0 : range.begin > previous_end;
    if (!in_order || range.end <= range.begin || (total >= 0 && range.end > total)) return false;
    parsed.push_back(range);
    at = after_end;
    if (at < end) {
      if (*at != ',' || at + 1 == end) return false;
      ++at;
    }
  }
  *ranges = std::move(parsed);
  return true;
}

}  // namespace fetchpool::engine
