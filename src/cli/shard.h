#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace fetchpool::cli {

/// One of N slices of an input list, so that N machines (a Kubernetes Indexed Job, a Slurm
/// array) can share one list without talking to each other: each takes the entries whose
/// key hashes to its index, and together they take every entry exactly once.
///
/// Shards are numbered from 0 to count-1, as JOB_COMPLETION_INDEX is. The key of an entry
/// of `get` is the path it is saved to, relative to -d (never its line number: an edited
/// list or a --save-failed rerun leaves every entry in its shard); docs/SCALE.md says
/// exactly how to compute it elsewhere.
struct Shard {
  std::int64_t index = 0;
  std::int64_t count = 1;  ///< 1: no sharding, every entry is this shard's.

  bool sharded() const { return count > 1; }
  /// Whether the entry with `key` is this shard's.
  bool takes(std::string_view key) const;
  /// "K/N".
  std::string text() const;
};

/// The largest N --shard takes: more machines than any batch array holds.
constexpr std::int64_t kMaxShards = 1'000'000;

/// FNV-1a, 64 bits, over the bytes of `key`: the same on every platform and release.
std::uint64_t fnv1a_64(std::string_view key);

/// MurmurHash3's 64-bit finaliser (fmix64): every bit of the result depends on every bit
/// of `hash`. FNV-1a alone spreads a key's last bytes into its low and middle bits only,
/// so short names that differ at their end ("x/aba", "x/abc") would share a shard.
std::uint64_t mix64(std::uint64_t hash);

/// The shard (0..count-1) of `key`: mix64(fnv1a_64(key)) % count.
std::int64_t shard_of(std::string_view key, std::int64_t count);

/// Reads the environment, as getenv does; tests give their own.
using Environment = std::function<const char*(const char*)>;

/// --shard's value: "K/N" (0 <= K < N), "auto" or "auto/N" (K, and N unless given, from
/// the batch system: see shard_from_environment). False with `error` (for a usage error)
/// otherwise.
bool parse_shard(const std::string& text, const Environment& environment, Shard* shard, std::string* error);

}  // namespace fetchpool::cli
