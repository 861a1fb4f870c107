#include "cli/shard.h"

#include <charconv>

#include "cli/shard_from_environment.h"

namespace fetchpool::cli {
namespace {

/// A whole decimal number, nothing before or after it.
bool parse_number(std::string_view text, std::int64_t* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [at, status] = std::from_chars(text.data(), end, *value);
  return status == std::errc() && at == end;
}

}  // namespace

std::uint64_t fnv1a_64(std::string_view key) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV's 64-bit offset basis
  for (unsigned char byte : key) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;  // FNV's 64-bit prime
  }
  return hash;
}

std::uint64_t mix64(std::uint64_t hash) {
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

std::int64_t shard_of(std::string_view key, std::int64_t count) {
  return static_cast<std::int64_t>(mix64(fnv1a_64(key)) % static_cast<std::uint64_t>(count));
}

bool Shard::takes(std::string_view key) const {
  return !sharded() || shard_of(key, count) == index;
}

std::string Shard::text() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

bool parse_shard(const std::string& text, const Environment& environment, Shard* shard, std::string* error) {
  const std::size_t slash = text.find('/');
  const std::string_view first = std::string_view(text).substr(0, slash);
  const std::string_view second =
      slash == std::string::npos ? std::string_view() : std::string_view(text).substr(slash + 1);
  std::int64_t count = 0;
  if (slash != std::string::npos && (!parse_number(second, &count) || count < 1 || count > kMaxShards)) {
    *error = "--shard " + text + ": N must be a whole number from 1 to " + std::to_string(kMaxShards);
    return false;
  }
  if (first == "auto")
    return shard_from_environment(environment, slash == std::string::npos ? 0 : count, shard, error);
  std::int64_t index = 0;
  if (slash == std::string::npos || !parse_number(first, &index)) {
    *error = "--shard " + text + ": give K/N (K from 0 to N-1), auto or auto/N";
    return false;
  }
  if (index < 0 || index >= count) {
    *error = "--shard " + text + ": K must be from 0 to " + std::to_string(count - 1) +
             " (shards are numbered from 0, as JOB_COMPLETION_INDEX)";
    return false;
  }
  shard->index = index;
  shard->count = count;
  return true;
}

}  // namespace fetchpool::cli
