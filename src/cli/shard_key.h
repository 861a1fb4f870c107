#pragma once

#include <string>

#include "cli/input_list.h"
#include "fetchpool/request.h"

namespace fetchpool::cli {

/// What decides an entry's shard: the path its file is saved to, relative to -d, as the
/// engine names it ("isos/a.iso": dir= or the --force-directories layout, then out= or the
/// URL's last path segment, percent-decoded and made safe), with '/' between directories.
/// A name only the server can give (--content-disposition) is not known up front: the
/// URL's name stands for it. `request` is null for an entry that cannot run (a malformed
/// line, a bad dir=): it is keyed by its dir=, out= or URL name all the same, so that it is
/// reported by exactly one shard, the one its rerun from --save-failed falls in; by its
/// first URL as written when that does not parse.
std::string shard_key(const InputEntry& entry, const Request* request);

}  // namespace fetchpool::cli
