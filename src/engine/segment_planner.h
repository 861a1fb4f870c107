#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/byte_range.h"

namespace fetchpool::engine {

/// How one file is split over several connections, and re-split as they finish: each
/// segment is fetched at its own offset; when a connection is free it takes over the back
/// half of the largest remaining segment, so one slow connection never leaves a long tail.
/// Pure bookkeeping, no I/O: the event loop drives it.
class SegmentPlanner {
 public:
  /// A file of `size` > 0 bytes of which `done` (sorted, disjoint) are already on disk:
  /// the rest is split into at most `max_connections` segments, none smaller than
  /// `min_split` (a remainder smaller than two of them stays one segment). Segments that
  /// `done` covers are recorded as finished ones.
  SegmentPlanner(std::int64_t size, int max_connections, std::int64_t min_split,
                 const std::vector<ByteRange>& done = {});

  /// Every segment by id; a split shortens a segment's end.
  const std::vector<ByteRange>& segments() const { return segments_; }
  /// The segments not yet finished, in file order (the work to hand out at the start).
  std::vector<int> unfinished() const;

  /// Segment `id` has its bytes up to `offset` (exclusive) on disk.
  void advance(int id, std::int64_t offset);
  /// The first offset of segment `id` not yet on disk.
  std::int64_t next_offset(int id) const { return done_[static_cast<std::size_t>(id)]; }
  std::int64_t end(int id) const { return segments_[static_cast<std::size_t>(id)].end; }
  std::int64_t remaining(int id) const { return end(id) - next_offset(id); }
  bool finished(int id) const { return remaining(id) <= 0; }

  /// Splits segment `id`, giving the back half of what is left to a new segment (whose id
  /// is returned); `id` keeps the front half, so whoever fetches it must stop at its new
  /// end. nullopt when less than twice min_split is left.
  std::optional<int> split(int id);
  /// split() of the segment with the most bytes left.
  std::optional<int> split_largest();

  /// Bytes from offset 0 that are on disk without a gap: what a digest can cover in order.
  std::int64_t contiguous_prefix() const;
  /// What is on disk, merged, in file order (for the state file).
  std::vector<ByteRange> done_ranges() const;
  std::int64_t done_bytes() const;
  std::int64_t size() const { return size_; }
  bool complete() const { return contiguous_prefix() == size_; }

 private:
  std::vector<std::size_t> in_file_order() const;

  std::int64_t size_;
  std::int64_t min_split_;
  std::vector<ByteRange> segments_;  ///< By id.
  std::vector<std::int64_t> done_;   ///< By id: next offset to fetch.
};

}  // namespace fetchpool::engine
