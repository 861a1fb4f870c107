#pragma once

#include <string>

namespace fetchpool::progress {

/// What a descriptor (stderr for the command line) is connected to, read fresh on each
/// call (so a resized window is followed on the next frame).
struct TerminalInfo {
  bool is_tty = false;
  int width = 80;
  int height = 24;
  bool utf8 = false;   ///< The locale's character set is UTF-8.
  bool color = false;  ///< A terminal, and NO_COLOR is not set.
};

TerminalInfo query_terminal(int fd);
TerminalInfo query_stderr();

/// Writes all of `text` to `fd`; a failed write (a closed pipe) is ignored.
void write_to(int fd, const std::string& text);

}  // namespace fetchpool::progress
