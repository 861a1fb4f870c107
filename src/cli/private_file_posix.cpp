#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/private_file.h"

namespace fetchpool::cli {

bool open_private_file(const std::string& path, std::ofstream* out) {
  // Created (or narrowed) empty first, so the secrets never sit in a file others can read;
  // the umask can only narrow 0600, and fchmod covers a file left by an earlier run.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  // Only a regular file is narrowed: `--report /dev/stdout` must not change the terminal's
  // mode (or, as root, /dev/null's for everyone).
  struct stat st {};
  bool narrowed = ::fstat(fd, &st) == 0 && (!S_ISREG(st.st_mode) || ::fchmod(fd, 0600) == 0);
  ::close(fd);
  if (!narrowed) return false;
  out->open(path, std::ios::binary | std::ios::trunc);
  return static_cast<bool>(*out);
}

}  // namespace fetchpool::cli
