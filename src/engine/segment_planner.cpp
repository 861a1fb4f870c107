#include "engine/segment_planner.h"

#include <algorithm>
#include <numeric>

namespace fetchpool::engine {

SegmentPlanner::SegmentPlanner(std::int64_t size, int max_connections, std::int64_t min_split,
                               const std::vector<ByteRange>& done)
    : size_(size), min_split_(std::max<std::int64_t>(1, min_split)) {
  auto add = [this](ByteRange range, std::int64_t next) {
    segments_.push_back(range);
    done_.push_back(next);
  };
  std::vector<ByteRange> gaps;
  std::int64_t at = 0;
  for (const ByteRange& range : done) {
    if (range.begin > at) gaps.push_back({at, range.begin});
    add(range, range.end);
    at = range.end;
  }
  if (at < size_) gaps.push_back({at, size_});

  const int connections = std::max(1, max_connections);
  if (gaps.size() == 1) {
    // The common case, a fresh file: equal parts, so the connections finish together.
    ByteRange gap = gaps.front();
    std::int64_t count = std::clamp<std::int64_t>(gap.size() / min_split_, 1, connections);
    std::int64_t step = gap.size() / count;
    for (std::int64_t i = 0; i < count; ++i) {
      std::int64_t begin = gap.begin + i * step;
      add({begin, i + 1 == count ? gap.end : begin + step}, begin);
    }
    return;
  }
  // Resuming around finished ranges: each gap is a segment, and the largest are halved
  // while connections are left over.
  for (const ByteRange& gap : gaps) add(gap, gap.begin);
  for (auto left = static_cast<std::ptrdiff_t>(connections - gaps.size()); left > 0; --left) {
    if (!split_largest()) break;
  }
}

std::vector<std::size_t> SegmentPlanner::in_file_order() const {
  std::vector<std::size_t> order(segments_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return segments_[a].begin < segments_[b].begin; });
  return order;
}

std::vector<int> SegmentPlanner::unfinished() const {
  std::vector<int> ids;
  for (std::size_t i : in_file_order()) {
    if (!finished(static_cast<int>(i))) ids.push_back(static_cast<int>(i));
  }
  return ids;
}

void SegmentPlanner::advance(int id, std::int64_t offset) {
  auto index = static_cast<std::size_t>(id);
  done_[index] = std::clamp(offset, done_[index], segments_[index].end);
}

std::optional<int> SegmentPlanner::split(int id) {
  std::int64_t left = remaining(id);
  if (left < 2 * min_split_) return std::nullopt;
  // By index, not reference: push_back may move the vector.
  auto index = static_cast<std::size_t>(id);
  std::int64_t middle = done_[index] + left / 2;
  std::int64_t end = segments_[index].end;
  segments_[index].end = middle;
  segments_.push_back({middle, end});
  done_.push_back(middle);
  return static_cast<int>(segments_.size() - 1);
}

std::optional<int> SegmentPlanner::split_largest() {
  int largest = 0;
  for (int i = 1; i < static_cast<int>(segments_.size()); ++i) {
    if (remaining(i) > remaining(largest)) largest = i;
  }
  return split(largest);
}

std::int64_t SegmentPlanner::contiguous_prefix() const {
  std::int64_t prefix = 0;
  for (std::size_t i : in_file_order()) {
    if (segments_[i].begin > prefix) break;
    prefix = std::max(prefix, done_[i]);
    if (done_[i] < segments_[i].end) break;
  }
  return prefix;
}

std::vector<ByteRange> SegmentPlanner::done_ranges() const {
  std::vector<ByteRange> ranges;
  for (std::size_t i : in_file_order()) {
    ByteRange part{segments_[i].begin, done_[i]};
    if (part.size() <= 0) continue;
    if (!ranges.empty() && ranges.back().end == part.begin) {
      ranges.back().end = part.end;
    } else {
      ranges.push_back(part);
    }
  }
  return ranges;
}

std::int64_t SegmentPlanner::done_bytes() const {
  std::int64_t bytes = 0;
  for (std::size_t i = 0; i < segments_.size(); ++i) bytes += done_[i] - segments_[i].begin;
  return bytes;
}

}  // namespace fetchpool::engine
