#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace fetchpool::engine {

/// A half-open byte range [begin, end).
struct ByteRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - begin; }
  bool operator==(const ByteRange&) const = default;
};

/// How one file is split over several connections, and re-split as they finish: each
/// segment is fetched at its own offset; when a connection finishes its segment it takes
/// over the back half of the largest remaining one, so one slow connection never leaves a
/// long tail. Pure bookkeeping, no I/O: the event loop drives it.
/// (Groundwork for segmented downloads; not yet used by the loop.)
class SegmentPlanner {
 public:
  /// `size` > 0; at most `max_connections` segments, none smaller than `min_split` (a file
  /// smaller than two of them stays one segment).
  SegmentPlanner(std::int64_t size, int max_connections, std::int64_t min_split);

  /// The segments to start with, in order; their ids are their indexes.
  const std::vector<ByteRange>& segments() const { return segments_; }

  /// Segment `id` has its bytes up to `offset` (exclusive) on disk.
  void advance(int id, std::int64_t offset);
  /// The first offset of segment `id` not yet on disk.
  std::int64_t next_offset(int id) const { return done_[static_cast<std::size_t>(id)]; }
  bool finished(int id) const { return next_offset(id) >= segments_[static_cast<std::size_t>(id)].end; }

  /// A connection is free: split the segment with the most bytes left, giving the back half
  /// to a new segment (whose id is returned); the other keeps the front half, so its
  /// connection must stop at its new end. nullopt when no remaining part is at least twice
  /// min_split.
  std::optional<int> split_largest();

  /// Bytes from offset 0 that are on disk without a gap: what a digest can cover in order.
  std::int64_t contiguous_prefix() const;
  /// True when every byte is on disk.
  bool complete() const { return contiguous_prefix() == size_; }

 private:
  std::int64_t size_;
  std::int64_t min_split_;
  std::vector<ByteRange> segments_;  ///< By id; a split shortens the original's end.
  std::vector<std::int64_t> done_;   ///< By id: next offset to fetch.
};

}  // namespace fetchpool::engine
