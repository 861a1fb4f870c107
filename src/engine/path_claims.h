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
/// set until it is merged in. A claim given back (its download failed or was cancelled, so
/// it may be submitted again) waits in a small set of its own.
class PathClaims {
 public:
  /// Claims `path_hash`; false when it is claimed already.
  bool claim(std::uint64_t path_hash) {
    if (released_.erase(path_hash) != 0) return true;
    if (std::binary_search(sorted_.begin(), sorted_.end(), path_hash)) return false;
    if (!recent_.insert(path_hash).second) return false;
    if (recent_.size() >= kMergeAt) merge();
    return true;
  }

  /// Gives a claim back: `path_hash` may be claimed again.
  void release(std::uint64_t path_hash) {
    if (recent_.erase(path_hash) != 0) return;
    if (std::binary_search(sorted_.begin(), sorted_.end(), path_hash)) released_.insert(path_hash);
  }

  /// Whether `path_hash` is claimed.
  bool contains(std::uint64_t path_hash) const {
    if (recent_.count(path_hash) != 0) return true;
    return std::binary_search(sorted_.begin(), sorted_.end(), path_hash) && released_.count(path_hash) == 0;
  }

  std::size_t size() const { return sorted_.size() + recent_.size() - released_.size(); }

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
  std::unordered_set<std::uint64_t> released_;  ///< In sorted_, but given back.
};

}  // namespace fetchpool::engine
