#pragma once

#include <cstdint>
#include <string>

#include "fetchpool/options.h"
#include "platform/file.h"

namespace fetchpool::engine {

/// Where a transfer's body goes: `NAME.part`, opened on the first byte (so an error page
/// never creates a file), renamed to NAME only by commit(). The final name therefore
/// never holds partial data.
class FileSink {
 public:
  explicit FileSink(std::string final_path);

  const std::string& final_path() const { return final_path_; }
  const std::string& part_path() const { return part_path_; }

  /// Appends to the .part file, creating it (and missing directories) first.
  bool write(const char* data, std::size_t size, std::string* error);
  /// Closes the .part file (creating an empty one if nothing was written) and renames it to
  /// the final name: replacing an existing file only with IfExists::overwrite.
  bool commit(IfExists if_exists, std::string* error);
  /// Closes and deletes the .part file.
  void abandon();

 private:
  bool open(std::string* error);

  std::string final_path_;
  std::string part_path_;
  platform::OutputFile file_;
  bool created_ = false;  // the .part file exists because this sink made it
};

}  // namespace fetchpool::engine
