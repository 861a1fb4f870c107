#include <sys/resource.h>

#include <climits>
#include <filesystem>
#include <system_error>

#include "platform/descriptors.h"

namespace fetchpool::platform {

int raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  rlim_t wanted = limit.rlim_max;
#ifdef __APPLE__
  if (wanted == RLIM_INFINITY || wanted > OPEN_MAX) wanted = OPEN_MAX;  // setrlimit refuses more
#endif
  if (limit.rlim_cur != RLIM_INFINITY && (wanted == RLIM_INFINITY || wanted > limit.rlim_cur)) {
    rlimit raised = limit;
    raised.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > static_cast<rlim_t>(INT_MAX)) return INT_MAX;
  return static_cast<int>(limit.rlim_cur);
}

int open_descriptor_count() {
  // Linux lists them in /proc/self/fd, macOS and the BSDs in /dev/fd (the listing itself
  // holds one, which the count leaves in: a margin of one).
  for (const char* listing : {"/proc/self/fd", "/dev/fd"}) {
    std::error_code ec;
    std::filesystem::directory_iterator entries(listing, ec);
    if (ec) continue;
    int count = 0;
    for (auto it = entries; it != std::filesystem::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      ++count;
    }
    if (!ec) return count;
  }
  return -1;
}

}  // namespace fetchpool::platform
