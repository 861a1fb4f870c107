#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/wait.h"

namespace fetchpool::test {

/// A tmux server of the test's own (private socket), with one session running a command in
/// a `columns` x `rows` window (100x30 unless given). Stopped by PID.
class Tmux {
 public:
  explicit Tmux(const std::string& command, int columns = 100, int rows = 30)
      : socket_("fetchpool-test-" + std::to_string(getpid())) {
    auto started = tmux({"new-session", "-d", "-x", std::to_string(columns), "-y", std::to_string(rows), "-s",
                         "main", "-e", "LANG=C.UTF-8", command});
    if (started.exit_code != 0) throw std::runtime_error("tmux failed: " + started.err);
    auto pid = tmux({"display-message", "-p", "#{pid}"});
    server_pid_ = std::stoi(pid.out);
  }
  ~Tmux() {
    if (server_pid_ > 0) kill(server_pid_, SIGTERM);
  }
  std::string screen() { return tmux({"capture-pane", "-p", "-t", "main"}).out; }
  /// The screen once `shows(screen)` holds, looking every 100 ms for at most `limit` (then
  /// the screen as it is, for the test's failure message).
  template <class Shows>
  std::string screen_when(Shows&& shows, std::chrono::milliseconds limit) {
    std::string shown;
    wait_until([&] { return shows(shown = screen()); }, limit, std::chrono::milliseconds(100));
    return shown;
  }
  /// The screen once it shows `text` (see screen_when).
  std::string screen_with(const std::string& text, std::chrono::milliseconds limit) {
    return screen_when([&](const std::string& shown) { return shown.find(text) != std::string::npos; },
                       limit);
  }
  void send_keys(const std::string& keys) { tmux({"send-keys", "-t", "main", keys}); }

 private:
  ProcessResult tmux(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/tmux", "-u", "-L", socket_});
    return run_process(args, "", std::chrono::seconds(10));
  }
  std::string socket_;
  int server_pid_ = -1;
};

}  // namespace fetchpool::test
