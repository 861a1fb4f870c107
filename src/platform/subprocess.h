#pragma once

// The platform seam for running a short helper program (a Docker credential helper): its
// standard input given, its output read, bounded in time and size.

#include <chrono>
#include <string>
#include <vector>

namespace fetchpool::platform {

struct ProgramRun {
  bool started = false;    ///< False: it could not be run (`error` says why: not on PATH, say).
  bool timed_out = false;  ///< Killed (SIGKILL, by its PID) when the time was up.
  int exit_code = -1;      ///< Its exit status; -1 when it did not exit by itself.
  std::string out;         ///< At most kMaxProgramOutput bytes of each.
  std::string err;
  std::string error;
};

inline constexpr std::size_t kMaxProgramOutput = 64 * 1024;

/// Runs `argv` (argv[0] looked up on PATH), writes `input` to its standard input and closes
/// it, and collects its output until it exits, at most `timeout`. Never leaves it running:
/// a program still running then is killed and waited for.
ProgramRun run_program(const std::vector<std::string>& argv, const std::string& input,
                       std::chrono::milliseconds timeout);

}  // namespace fetchpool::platform
