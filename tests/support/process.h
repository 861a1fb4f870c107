#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace fetchpool::test {

struct ProcessResult {
  int exit_code = -1;  ///< -1 when killed for running past the timeout.
  std::string out;
  std::string err;
};

/// Runs argv[0] (a path) with `input` on stdin; kills it (by PID) after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = "",
                          std::chrono::seconds timeout = std::chrono::seconds(120));

/// Runs the fetchpool binary under test with `args`.
ProcessResult run_fetchpool(const std::vector<std::string>& args, const std::string& input = "",
                            std::chrono::seconds timeout = std::chrono::seconds(120));

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

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace fetchpool::test
