#pragma once

#include <fstream>
#include <string>

namespace fetchpool::cli {

/// Opens `path` for writing as `out` does with std::ios::trunc, the file being readable
/// and writable by its owner only (mode 0600, an existing file's mode changed to it).
/// For files that may hold credentials: --save-failed (URLs and header= lines as given) and
/// --report (query strings can carry signed tokens). False when it cannot be created.
bool open_private_file(const std::string& path, std::ofstream* out);

}  // namespace fetchpool::cli
