#pragma once

#include <string>
#include <string_view>

namespace fetchpool::cli {

/// wget's directory options: where a URL's file goes when the remote layout is kept.
struct RemoteLayout {
  bool enabled = false;        ///< --force-directories (implied by the two below).
  bool host_directory = true;  ///< false: --no-host-directories.
  int cut_dirs = 0;            ///< --cut-dirs N: the first N directories of the path dropped.
};

/// The directory, relative to -d, that `url`'s file goes in under `layout`, as wget makes
/// it: "HOST[:PORT]/DIR/..." (the port only when it is not the scheme's), each directory
/// of the path percent-decoded. Empty when the file goes in -d itself. False (with
/// `error`) when the URL does not parse, or a directory of it could lead out of -d ("..").
bool remote_directory(std::string_view url, const RemoteLayout& layout, std::string* directory,
                      std::string* error);

}  // namespace fetchpool::cli
