#include <langinfo.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "progress/terminal.h"

namespace fetchpool::progress {

TerminalInfo query_stderr() {
  TerminalInfo info;
  info.is_tty = isatty(STDERR_FILENO) == 1;
  winsize size{};
  if (info.is_tty && ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    info.width = size.ws_col;
    info.height = size.ws_row > 0 ? size.ws_row : 24;
  }
  const char* codeset = nl_langinfo(CODESET);
  info.utf8 = codeset != nullptr && (std::strcmp(codeset, "UTF-8") == 0 || std::strcmp(codeset, "utf8") == 0);
  const char* no_color = std::getenv("NO_COLOR");
  info.color = info.is_tty && (no_color == nullptr || no_color[0] == '\0');
  return info;
}

}  // namespace fetchpool::progress
