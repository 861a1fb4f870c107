#pragma once

#include <string>
#include <vector>

#include "fetchpool/engine.h"
#include "fetchpool/naming.h"
#include "fetchpool/options.h"

namespace fetchpool::cli {

class ProgressDisplay;

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
  /// Flags that map one to one onto engine settings land here directly, so their defaults
  /// are the engine's: -j, --per-host, the timeouts, --retries, --retry-wait, -u,
  /// --ca-cert, --netrc-file. run_get fills in the rest.
  EngineOptions engine;
  std::string directory = ".";
  std::string output;    ///< -o: one URL only.
  std::string checksum;  ///< --checksum: one URL only.
  std::vector<std::string> headers;
  std::string referer;               ///< -e: sent as Referer with every request.
  RemoteLayout layout;               ///< --force-directories, --no-host-directories, --cut-dirs.
  bool content_disposition = false;  ///< --content-disposition: the server names files (not -o/out=).
  bool netrc = false;
  bool insecure = false;
  bool no_continue = false;
  bool no_server_digest = false;
  std::string if_exists = "skip";
  bool quiet = false;
  bool verbose = false;  ///< -v: every request and response header, redirect and retry.
  std::string progress;  ///< bar, plain, json, none; empty: bar on a terminal, else plain.
  std::string report_file;
  std::string save_failed_file;
  /// --shard: "K/N", "auto" or "auto/N"; empty: every entry (see cli/shard.h).
  std::string shard;
};

/// Runs the downloads; returns an ExitStatus. Prints progress and the summary on stderr.
int run_get(const GetOptions& options);

/// Why `path`, given with `flag`, cannot be read (it should be `what`); empty when it can
/// or when no path was given.
std::string unreadable_file(const std::string& flag, const std::string& path, const std::string& what);

/// When `engine` runs fewer transfers at once than `asked` (-j), says so once on stderr:
/// the limit on open files allows no more.
void note_concurrency(const Engine& engine, int asked, ProgressDisplay& display);

}  // namespace fetchpool::cli
