#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/file.h"

namespace fetchpool::registry {

/// A tar archive (POSIX ustar; a pax header carries sizes of 8 GiB and more) planned whole
/// before a byte is written: every entry's size is known, so every entry's place is too,
/// and the contents can be written at their offsets in any order, as they arrive.
/// Entries are regular files with mode 0644 and mtime 0, so the same inputs give the same
/// bytes.
class TarLayout {
 public:
  /// Appends an entry of `size` bytes named `name` (at most 100 bytes); `*data_offset`
  /// receives where its contents go. False with `error` for a name tar cannot hold.
  bool add(const std::string& name, std::int64_t size, std::int64_t* data_offset, std::string* error);
  /// The archive's whole size, the two zero blocks that end it included.
  std::int64_t size() const { return size_; }
  /// Sizes `out` to size() and writes every header; the contents (left as zeros, a sparse
  /// hole where the filesystem can) are the caller's to write at their offsets.
  bool write_headers(platform::OutputFile& out, std::string* error) const;

 private:
  struct Entry {
    std::string name;
    std::int64_t size = 0;
    std::int64_t header_offset = 0;
  };
  std::vector<Entry> entries_;
  std::int64_t size_ = 1024;  // the end blocks
};

}  // namespace fetchpool::registry
