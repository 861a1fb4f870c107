#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

namespace fetchpool::engine {

/// The output paths (as 64-bit hashes) claimed by the requests of one engine, so that a
/// second request for a name fails clearly however far apart the two come in a list of a
/// million. Kept compact because it grows with every request: a node-based set cost ~40
/// bytes per path, which alone would pass the 64 MiB a million-URL list may take; here
/// the bulk is one sorted vector (8 bytes per path) and the newest claims wait in a small
/// set until it is merged in.
class PathClaims {
 public:
  /// Claims `path_hash`; false when it was claimed already.
  bool claim(std::uint64_t path_hash) {
    if (std::binary_search(sorted_.begin(), sorted_.end(), path_hash)) return false;
    if (!recent_.insert(path_hash).second) return false;
    if (recent_.size() >= kMergeAt) merge();
    return true;
  }

  /// Whether `path_hash` was claimed.
  bool contains(std::uint64_t path_hash) const {
    return std::binary_search(sorted_.begin(), sorted_.end(), path_hash) || recent_.count(path_hash) != 0;
  }

  std::size_t size() const { return sorted_.size() + recent_.size(); }

 private:
  static constexpr std::size_t kMergeAt = 16384;

  void merge() {
    const std::size_t old_size = sorted_.size();
    // insert() grows the vector geometrically; a reserve of the exact size here would
    // copy all of it again at every merge.
    sorted_.insert(sorted_.end(), recent_.begin(), recent_.end());
    std::sort(sorted_.begin() + static_cast<std::ptrdiff_t>(old_size), sorted_.end());
    std::inplace_merge(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(old_size),
                       sorted_.end());
    recent_.clear();
  }

  std::vector<std::uint64_t> sorted_;
  std::unordered_set<std::uint64_t> recent_;
};

}  // namespace fetchpool::engine
