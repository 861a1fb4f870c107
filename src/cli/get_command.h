#pragma once

#include <string>
#include <vector>

namespace fetchpool::cli {

/// Exit statuses of the fetchpool command. Stable once released.
enum ExitStatus : int {
  kExitOk = 0,             ///< Every file is there (downloaded or already present).
  kExitFailed = 1,         ///< At least one file failed or was cancelled; the others are there.
  kExitUsage = 2,          ///< Bad command line or unreadable input list; nothing was downloaded.
  kExitInterrupted = 130,  ///< SIGINT/SIGTERM: running transfers stopped, their .part kept.
};

/// Everything `fetchpool get` was told, validated by run_get.
struct GetOptions {
  std::vector<std::string> urls;
  std::string input_file;  ///< "-": standard input.
  std::string directory = ".";
  std::string output;    ///< -o: one URL only.
  std::string checksum;  ///< --checksum: one URL only.
  int jobs = 16;
  int per_host = 0;
  std::vector<std::string> headers;
  std::string user;  ///< "user:password".
  bool netrc = false;
  std::string netrc_file;
  bool insecure = false;
  std::string ca_cert;
  double connect_timeout_s = 10;
  double stall_timeout_s = 30;
  double max_time_s = 0;
  int retries = 5;
  double retry_wait_s = 1;
  bool no_continue = false;
  bool no_server_digest = false;
  std::string if_exists = "skip";
  bool quiet = false;
  std::string progress;  ///< bar, plain, json, none; empty: bar on a terminal, else plain.
  std::string report_file;
  std::string save_failed_file;
};

/// Runs the downloads; returns an ExitStatus. Prints progress and the summary on stderr.
int run_get(const GetOptions& options);

}  // namespace fetchpool::cli
