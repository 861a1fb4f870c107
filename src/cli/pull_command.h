#pragma once

#include <string>

#include "fetchpool/pull.h"

namespace fetchpool::cli {

/// Everything `fetchpool pull` was told, validated by run_pull.
struct PullCommandOptions {
  PullOptions pull;         ///< -j, -x, --retries and the like land in pull.engine directly.
  std::string output;       ///< -o: the layout directory.
  std::string format;       ///< --format: "oci" (the docker-archive tarball is not built yet).
  bool insecure = false;
  bool quiet = false;
};

/// Pulls the image; returns an ExitStatus. Prints a line per blob and the summary on stderr.
int run_pull(PullCommandOptions options);

}  // namespace fetchpool::cli
