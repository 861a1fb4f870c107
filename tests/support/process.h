#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace fetchpool::test {

/// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct ProcessResult {
  int exit_code = -1;  ///< -1 when killed for running past the timeout.
  std::string out;
  std::string err;
};

/// How a child is started, beyond its arguments.
struct ChildOptions {
  std::string input;  ///< Its stdin.
  /// SIGPIPE ignored (inherited through exec), as a shell or a supervisor may leave it: a
  /// write to a closed pipe then fails with EPIPE instead of killing the process.
  bool ignore_sigpipe = false;
  /// stdout and stderr are one pipe with no reader left, as `... 2>&1 | head -1` becomes
  /// once head has exited: every write fails. Nothing is captured then.
  bool output_to_closed_pipe = false;
  /// stdin is a pipe the test writes as it goes (write_input(), end_input()), as a
  /// program driving a long-lived child does; `input` is then unused.
  bool input_pipe = false;
};

/// A child process with its output captured to files; killed (by PID) if still running
/// when destroyed.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv, const std::string& input = "");
  ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  void signal(int signal_number);
  /// Waits at most `timeout`; exit_code -1 (after SIGKILL) when it ran past it.
  ProcessResult wait(std::chrono::milliseconds timeout);
  /// Whether it has ended (without waiting); wait() then returns at once.
  bool exited();
  /// With ChildOptions::input_pipe: writes `text` to its stdin now; end_input() closes it.
  void write_input(const std::string& text);
  void end_input();
  /// What it has written to stdout / stderr so far.
  std::string out_so_far() const;
  std::string err_so_far() const;

 private:
  std::unique_ptr<TempDir> io_;
  int pid_ = -1;
  int exit_code_ = -1;  ///< Once reaped.
  int input_fd_ = -1;   ///< The write end of its stdin pipe (ChildOptions::input_pipe).
};

/// Runs argv[0] (a path) with `input` on stdin; kills it (by PID) after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = "",
                          std::chrono::seconds timeout = std::chrono::seconds(120));

/// argv for the fetchpool binary under test with `args`.
std::vector<std::string> fetchpool_argv(const std::vector<std::string>& args);

/// Runs the fetchpool binary under test with `args`.
ProcessResult run_fetchpool(const std::vector<std::string>& args, const std::string& input = "",
                            std::chrono::seconds timeout = std::chrono::seconds(120));

/// Runs fetchpool with every proxy variable of the environment removed, then
/// `assignments` ("https_proxy=http://...") set, as in a shell that sets only those.
ProcessResult run_fetchpool_with_proxy_env(const std::vector<std::string>& assignments,
                                           const std::vector<std::string>& args);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace fetchpool::test
