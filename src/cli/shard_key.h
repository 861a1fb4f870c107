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
/// line, a bad dir=): its first URL as written is the key, so exactly one shard reports it.
std::string shard_key(const InputEntry& entry, const Request* request);

}  // namespace fetchpool::cli
