#include "engine/segment_planner.h"

#include <algorithm>
#include <numeric>

namespace fetchpool::engine {

SegmentPlanner::SegmentPlanner(std::int64_t size, int max_connections, std::int64_t min_split)
    : size_(size), min_split_(std::max<std::int64_t>(1, min_split)) {
  std::int64_t count = std::clamp<std::int64_t>(size_ / min_split_, 1, std::max(1, max_connections));
  std::int64_t step = size_ / count;
  for (std::int64_t i = 0; i < count; ++i) {
    std::int64_t begin = i * step;
    std::int64_t end = i + 1 == count ? size_ : begin + step;
    segments_.push_back({begin, end});
    done_.push_back(begin);
  }
}

void SegmentPlanner::advance(int id, std::int64_t offset) {
  auto index = static_cast<std::size_t>(id);
  done_[index] = std::clamp(offset, done_[index], segments_[index].end);
}

std::optional<int> SegmentPlanner::split_largest() {
  std::optional<std::size_t> largest;
  std::int64_t largest_left = 0;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    std::int64_t left = segments_[i].end - done_[i];
    if (left > largest_left) {
      largest_left = left;
      largest = i;
    }
  }
  if (!largest || largest_left < 2 * min_split_) return std::nullopt;
  // By index, not reference: push_back may move the vector.
  std::int64_t middle = done_[*largest] + largest_left / 2;
  std::int64_t end = segments_[*largest].end;
  segments_[*largest].end = middle;
  segments_.push_back({middle, end});
  done_.push_back(middle);
  return static_cast<int>(segments_.size() - 1);
}

std::int64_t SegmentPlanner::contiguous_prefix() const {
  // Walk the segments in file order; the prefix ends at the first one not finished.
  std::vector<std::size_t> order(segments_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return segments_[a].begin < segments_[b].begin; });
  std::int64_t prefix = 0;
  for (std::size_t i : order) {
    if (segments_[i].begin > prefix) break;
    prefix = std::max(prefix, done_[i]);
    if (done_[i] < segments_[i].end) break;
  }
  return prefix;
}

}  // namespace fetchpool::engine
