#pragma once

// The platform seam for waking another event loop: a descriptor that loop can watch (a pipe
// on POSIX; a socket pair would serve on Windows, whose loops watch sockets only).

namespace fetchpool::platform {

/// A descriptor that is readable between signal() and clear(). Thread-safe; signal() never
/// blocks (a full pipe is already readable).
class Wakeup {
 public:
  /// Throws std::runtime_error when the descriptors cannot be made (out of them).
  Wakeup();
  ~Wakeup();
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  int readable_fd() const { return read_fd_; }
  void signal();
  /// Makes readable_fd() unreadable again (reads whatever signal() wrote).
  void clear();

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

}  // namespace fetchpool::platform
