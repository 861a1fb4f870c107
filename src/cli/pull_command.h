#pragma once

#include <string>
#include <vector>

#include "fetchpool/pull.h"

namespace fetchpool::cli {

/// Everything `fetchpool pull` was told, validated by run_pull.
struct PullCommandOptions {
  PullOptions pull;                       ///< -j, -x, --retries and the like land in pull.engine directly.
  std::vector<std::string> images;        ///< IMAGE...: the first is pull.image, the others more_images.
  std::string input_file;                 ///< -i: more images, one per line ("-": stdin).
  std::string output;                     ///< -o: the tarball or the layout directory.
  std::string format = "docker-archive";  ///< --format: docker-archive or oci.
  bool insecure = false;
  bool quiet = false;
  bool verbose = false;         ///< -v: every request and response header (the registry's too).
  std::string progress;         ///< bar, plain, json, none; empty: bar on a terminal, else plain.
  std::string username;         ///< --username: with the password read from stdin.
  bool password_stdin = false;  ///< --password-stdin.
  /// --shard: "K/N", "auto" or "auto/N"; empty: every image (see cli/shard.h).
  std::string shard;
};

/// Pulls the image; returns an ExitStatus. Shows the blobs' progress (a line per blob, as
/// `get` shows files) and the result on stderr.
int run_pull(PullCommandOptions options);

}  // namespace fetchpool::cli
