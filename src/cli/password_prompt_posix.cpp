#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "cli/password_prompt.h"

namespace fetchpool::cli {
namespace {

// The terminal as it was, for the SIGINT handler to put back (tcsetattr is
// async-signal-safe).
int tty_fd = -1;
termios saved_mode{};

void restore_and_reraise(int signal_number) {
  if (tty_fd >= 0) ::tcsetattr(tty_fd, TCSAFLUSH, &saved_mode);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

bool ask_password(const std::string& prompt, std::string* password, std::string* error) {
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  termios mode{};
  if (fd < 0 || ::tcgetattr(fd, &mode) != 0) {
    if (fd >= 0) ::close(fd);
    *error = "no terminal to ask for the password on: give -u user:password, or use --netrc";
    return false;
  }
  saved_mode = mode;
  tty_fd = fd;
  struct sigaction restore {};
  restore.sa_handler = restore_and_reraise;
  struct sigaction old_int {
  }, old_term{};
  ::sigaction(SIGINT, &restore, &old_int);
  ::sigaction(SIGTERM, &restore, &old_term);
  mode.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  mode.c_lflag |= ECHONL;
  ::tcsetattr(fd, TCSAFLUSH, &mode);
  write_all(fd, prompt);

  password->clear();
  bool ended = false;
  char c = 0;
  for (;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n' || c == '\r') {
      ended = n > 0;
      break;
    }
    password->push_back(c);
  }
  ::tcsetattr(fd, TCSAFLUSH, &saved_mode);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  tty_fd = -1;
  ::close(fd);
  if (!ended) {
    *error = "no password given (the terminal closed)";
    return false;
  }
  return true;
}

}  // namespace fetchpool::cli
