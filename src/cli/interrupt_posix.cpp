#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "cli/interrupt.h"

namespace fetchpool::cli {
namespace {

sigset_t interrupt_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

InterruptWatcher::InterruptWatcher(std::function<void()> on_first) : on_first_(std::move(on_first)) {
  sigset_t set = interrupt_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { run(); });
}

InterruptWatcher::~InterruptWatcher() {
  stopping_ = true;
  // Wakes the watcher now rather than at its next tick: a tick's wait at exit was a fixed
  // cost of every run. It sees stopping_ and does not treat the signal as an interrupt.
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

void InterruptWatcher::run() {
  sigset_t set = interrupt_signals();
  const timespec tick{1, 0};  // a safety net: the destructor wakes the watcher with a signal
  while (!stopping_) {
    int signal_number = sigtimedwait(&set, nullptr, &tick);
    if (signal_number < 0 || stopping_) continue;  // EAGAIN (tick), EINTR, or the wake-up
    if (interrupted_.exchange(true)) {
      static const char kMessage[] = "\nfetchpool: interrupted again, exiting now\n";
      ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
      (void)ignored;
      _exit(130);
    }
    on_first_();
  }
}

}  // namespace fetchpool::cli
