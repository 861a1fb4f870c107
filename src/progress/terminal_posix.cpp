#include <langinfo.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "progress/terminal.h"

namespace fetchpool::progress {

TerminalInfo query_terminal(int fd) {
  TerminalInfo info;
  info.is_tty = isatty(fd) == 1;
  winsize size{};
  if (info.is_tty && ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    info.width = size.ws_col;
    info.height = size.ws_row > 0 ? size.ws_row : 24;
  }
  const char* codeset = nl_langinfo(CODESET);
  info.utf8 = codeset != nullptr && (std::strcmp(codeset, "UTF-8") == 0 || std::strcmp(codeset, "utf8") == 0);
  const char* no_color = std::getenv("NO_COLOR");
  info.color = info.is_tty && (no_color == nullptr || no_color[0] == '\0');
  return info;
}

TerminalInfo query_stderr() {
  return query_terminal(STDERR_FILENO);
}

void write_to(int fd, const std::string& text) {
  std::size_t written = 0;
  for (int tries = 0; written < text.size() && tries < 1000; ++tries) {  // bounded: EINTR, short writes
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      return;
    }
  }
}

}  // namespace fetchpool::progress
