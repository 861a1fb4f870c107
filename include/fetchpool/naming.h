#pragma once

// How the engine names a download's file from its URL, for programs that need to know the
// name before the download (to shard a list by it, to lay out a mirror): the same rules
// the engine applies to a Request without file_name.

#include <string>
#include <string_view>

#include "fetchpool/export.h"

namespace fetchpool {

/// The file name a Request with an empty file_name gets from `url`: its path's last
/// segment, percent-decoded and made safe ("index.html" when there is none). False (with
/// `error`, for a person) when the URL does not parse.
FETCHPOOL_API bool file_name_for_url(std::string_view url, std::string* name, std::string* error);

/// wget's directory options: where a URL's file goes when the remote layout is kept.
struct RemoteLayout {
  bool enabled = false;        ///< --force-directories (implied by the two below).
  bool host_directory = true;  ///< false: --no-host-directories.
  int cut_dirs = 0;            ///< --cut-dirs N: the first N directories of the path dropped.
};

/// The directory, relative to the output directory, that `url`'s file goes in under
/// `layout`, as wget makes it: "HOST[:PORT]/DIR/..." (the port only when it is not the
/// scheme's), each directory of the path percent-decoded. Empty when the file goes in the
/// output directory itself. False (with `error`) when the URL does not parse, or a
/// directory of it could lead out of the output directory ("..").
FETCHPOOL_API bool remote_directory(std::string_view url, const RemoteLayout& layout, std::string* directory,
                                    std::string* error);

}  // namespace fetchpool
