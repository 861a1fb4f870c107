#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fetchpool::engine {

/// A half-open byte range [begin, end).
struct ByteRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - begin; }
  bool operator==(const ByteRange&) const = default;
};

/// "0-100,200-300" (half-open, as stored in state files); empty for no ranges.
std::string format_ranges(const std::vector<ByteRange>& ranges);
/// The inverse of format_ranges; false when `text` is not sorted, disjoint, non-empty
/// ranges inside [0, total) (total < 0: no upper bound).
bool parse_ranges(const std::string& text, std::int64_t total, std::vector<ByteRange>* ranges);

}  // namespace fetchpool::engine
