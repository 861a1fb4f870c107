#include "cli/console.h"

namespace fetchpool::cli {

void write_console(std::FILE* stream, std::string_view text) noexcept {
  // fmt::print would throw on EPIPE (with SIGPIPE ignored), ending a run whose files had
  // all arrived; stdio only sets the error flag, which nothing here depends on.
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

void print_error(std::string_view message) {
  print_console(stderr, "fetchpool: error: {}\n", message);
}

}  // namespace fetchpool::cli
