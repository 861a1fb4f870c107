#pragma once

// The platform seam for the process's file descriptors: how many it may hold, and how
// many it holds now. Each running transfer costs a few (a socket, the connections libcurl
// keeps for reuse, its output file), so concurrency is capped by them.

namespace fetchpool::platform {

/// Raises the soft limit on open files to the hard limit (as servers do; on macOS to at
/// most OPEN_MAX) and returns the limit now in effect; -1 when the platform has none to
/// tell (then nothing caps concurrency).
int raise_open_file_limit();

/// Descriptors the process holds open now; -1 when the platform cannot tell.
int open_descriptor_count();

}  // namespace fetchpool::platform
