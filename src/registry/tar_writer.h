#pragma once

#include <cstdint>
#include <string>

#include "platform/file.h"

namespace fetchpool::registry {

/// Writes a tar archive (POSIX ustar; a pax header carries sizes of 8 GiB and more) to a
/// file, entry by entry. Entries are regular files with mode 0644 and mtime 0, so the
/// same inputs give the same bytes.
class TarWriter {
 public:
  explicit TarWriter(platform::OutputFile& out) : out_(out) {}

  /// Adds `name` (at most 100 bytes) holding `data`.
  bool add(const std::string& name, const std::string& data, std::string* error);
  /// Adds `name` holding the contents of the file at `path`, of `size` bytes.
  bool add_file(const std::string& name, const std::string& path, std::int64_t size, std::string* error);
  /// The two zero blocks that end an archive.
  bool finish(std::string* error);

 private:
  bool header(const std::string& name, std::int64_t size, char type, std::string* error);
  bool pad(std::int64_t size, std::string* error);

  platform::OutputFile& out_;
};

}  // namespace fetchpool::registry
