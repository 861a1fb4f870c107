#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "platform/wakeup.h"

namespace fetchpool::platform {

Wakeup::Wakeup() {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  for (int fd : fds) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
}

Wakeup::~Wakeup() {
  ::close(read_fd_);
  ::close(write_fd_);
}

void Wakeup::signal() {
  const char byte = 1;
  while (::write(write_fd_, &byte, 1) < 0 && errno == EINTR) {
  }
}

void Wakeup::clear() {
  char bytes[64];
  for (int i = 0; i < 1000; ++i) {  // bounded: at most one byte per signal() is there
    ssize_t got = ::read(read_fd_, bytes, sizeof bytes);
    if (got > 0) continue;
    if (got < 0 && errno == EINTR) continue;
    break;
  }
}

}  // namespace fetchpool::platform
