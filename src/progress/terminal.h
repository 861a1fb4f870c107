#pragma once

namespace fetchpool::progress {

/// What stderr is connected to, read fresh on each call (so a resized window is followed
/// on the next frame).
struct TerminalInfo {
  bool is_tty = false;
  int width = 80;
  int height = 24;
  bool utf8 = false;   ///< The locale's character set is UTF-8.
  bool color = false;  ///< A terminal, and NO_COLOR is not set.
};

TerminalInfo query_stderr();

}  // namespace fetchpool::progress
