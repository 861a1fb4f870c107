#pragma once

#include <chrono>
#include <string>

namespace fetchpool::cli {

/// The platform seam for reading standard input as another program writes it: whole lines
/// as they complete, and whether nothing came for a while.
class StdinLines {
 public:
  enum class Wait { line, quiet, end };

  /// Waits at most `timeout` for the next whole line (without its newline). `quiet` when
  /// none completed in that time; `end` once the input has ended and every line was given
  /// (a last line without a newline is given first) or cannot be read.
  Wait next(std::string* line, std::chrono::milliseconds timeout);

 private:
  std::string buffer_;  ///< Bytes read past the last line given.
  bool ended_ = false;
};

}  // namespace fetchpool::cli
