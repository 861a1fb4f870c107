#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "cli/stdin_lines.h"

namespace fetchpool::cli {
namespace {

// A "line" longer than this is given as it is (it is no URL, and the entry built from it
// fails): the buffer never grows without a bound.
constexpr std::size_t kMaxLineBytes = 1 << 20;

}  // namespace

StdinLines::Wait StdinLines::next(std::string* line, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (std::size_t newline = buffer_.find('\n'); newline != std::string::npos) {
      line->assign(buffer_, 0, newline);
      buffer_.erase(0, newline + 1);
      return Wait::line;
    }
    if (ended_ || buffer_.size() > kMaxLineBytes) {
      if (buffer_.empty()) return Wait::end;
      *line = std::move(buffer_);
      buffer_.clear();
      return Wait::line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd input{STDIN_FILENO, POLLIN, 0};
    int ready =
        ::poll(&input, 1, static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return Wait::quiet;
    char chunk[64 * 1024];
    ssize_t count = ready < 0 ? -1 : ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (count < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (count <= 0) {
      ended_ = true;  // the end, or input that cannot be read: what came so far is the list
      continue;
    }
    buffer_.append(chunk, static_cast<std::size_t>(count));
  }
}

}  // namespace fetchpool::cli
