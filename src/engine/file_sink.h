#pragma once

#include <cstdint>
#include <string>

#include "fetchpool/options.h"
#include "platform/file.h"

namespace fetchpool::engine {

/// Where a transfer's body goes. The final name only ever appears with the complete body
/// behind it, by commit():
/// - A body that fits in `memory_limit` bytes is held in memory and written at commit in one
///   atomic step (platform::create_file_atomically): no `.part` file, no rename.
/// - A larger body spills to `NAME.part` (created on the first byte beyond the limit, with
///   any missing directories) and is renamed to NAME at commit.
/// So an error page never creates a file, and a small file costs one directory entry.
class FileSink {
 public:
  /// `buffer` is storage to reuse for the in-memory body (its contents are discarded).
  FileSink(std::string final_path, std::int64_t memory_limit, std::string buffer = {});

  const std::string& final_path() const { return final_path_; }
  const std::string& part_path() const { return part_path_; }

  /// The body's size, when the response says: lets a small body be stored without regrowth.
  void expect_size(std::int64_t size);
  /// Gives back the in-memory buffer's storage for another sink (empty, capacity kept).
  std::string take_buffer();

  /// Appends the next bytes of the body.
  bool write(const char* data, std::size_t size, std::string* error);
  /// Puts the complete body under the final name, replacing an existing file only with
  /// IfExists::overwrite. When the name turned out to exist, sets `*existed`.
  bool commit(IfExists if_exists, std::string* error, bool* existed);
  /// Drops the body: frees the memory, closes and deletes the .part file.
  void abandon();

 private:
  bool spill(std::string* error);

  std::string final_path_;
  std::string part_path_;
  std::int64_t memory_limit_;
  std::string memory_;         ///< The body while it is small.
  platform::OutputFile file_;  ///< The .part file once it is not.
  bool created_ = false;       ///< The .part file exists because this sink made it.
};

}  // namespace fetchpool::engine
