#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fetchpool::test {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& input)
    : ChildProcess(argv, ChildOptions{.input = input}) {}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options)
    : io_(std::make_unique<TempDir>()) {
  std::string in_path = *io_ / "stdin", out_path = *io_ / "stdout", err_path = *io_ / "stderr";
  write_file(in_path, options.input);
  int closed_pipe = -1;
  if (options.output_to_closed_pipe) {
    int ends[2];
    if (pipe(ends) != 0) throw std::runtime_error("pipe failed");
    // The read end is gone before the child exists: its very first write fails.
    close(ends[0]);
    closed_pipe = ends[1];
  }
  int input_pipe[2] = {-1, -1};
  if (options.input_pipe && pipe2(input_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Killed with the test if it dies first (a sanitizer's abort runs no destructor): a
    // test server left behind would serve forever. The test's threads never start children.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    if (options.ignore_sigpipe) ::signal(SIGPIPE, SIG_IGN);
    int in = options.input_pipe ? input_pipe[0] : open(in_path.c_str(), O_RDONLY);
    int out = closed_pipe >= 0 ? closed_pipe : open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = closed_pipe >= 0 ? closed_pipe : open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  if (closed_pipe >= 0) close(closed_pipe);
  if (options.input_pipe) {
    close(input_pipe[0]);
    input_fd_ = input_pipe[1];
  }
}

void ChildProcess::write_input(const std::string& text) {
  std::size_t done = 0;
  while (input_fd_ >= 0 && done < text.size()) {
    ssize_t n = ::write(input_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write the child's stdin");
    done += static_cast<std::size_t>(n);
  }
}

void ChildProcess::end_input() {
  if (input_fd_ >= 0) close(input_fd_);
  input_fd_ = -1;
}

ChildProcess::~ChildProcess() {
  end_input();
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void ChildProcess::signal(int signal_number) {
  if (pid_ > 0) kill(pid_, signal_number);
}

std::string ChildProcess::out_so_far() const {
  return read_file(*io_ / "stdout");
}

std::string ChildProcess::err_so_far() const {
  return read_file(*io_ / "stderr");
}

bool ChildProcess::exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
  return true;
}

ProcessResult ChildProcess::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited()) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      exit_code_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // between looks, until the deadline
  }
  ProcessResult result;
  result.exit_code = exit_code_;
  result.out = read_file(*io_ / "stdout");
  result.err = read_file(*io_ / "stderr");
  return result;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::seconds timeout) {
  ChildProcess child(argv, input);
  return child.wait(timeout);
}

std::vector<std::string> fetchpool_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv{FETCHPOOL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

ProcessResult run_fetchpool(const std::vector<std::string>& args, const std::string& input,
                            std::chrono::seconds timeout) {
  return run_process(fetchpool_argv(args), input, timeout);
}

ProcessResult run_fetchpool_with_proxy_env(const std::vector<std::string>& assignments,
                                           const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/env"};
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                           "no_proxy", "NO_PROXY"}) {
    argv.insert(argv.end(), {"-u", name});
  }
  argv.insert(argv.end(), assignments.begin(), assignments.end());
  std::vector<std::string> fetchpool = fetchpool_argv(args);
  argv.insert(argv.end(), fetchpool.begin(), fetchpool.end());
  return run_process(argv);
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "fetchpool-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace fetchpool::test
