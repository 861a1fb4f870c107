#include "cli/pull_command.h"

#include <fmt/format.h>

#include <iostream>
#include <mutex>

#include "cli/get_command.h"
#include "progress/format.h"

namespace fetchpool::cli {

int run_pull(PullCommandOptions options) {
  if (options.format == "docker-archive") {
    options.pull.format = ImageFormat::docker_archive;
  } else if (options.format == "oci") {
    options.pull.format = ImageFormat::oci_layout;
  } else {
    fmt::print(stderr,
               "fetchpool: error: --format {}: use docker-archive (a tarball for docker load) or oci\n",
               options.format);
    return kExitUsage;
  }
  if (options.output.empty()) {
    fmt::print(stderr,
               "fetchpool: error: pull needs -o: the tarball (docker-archive) or directory (oci) to write\n");
    return kExitUsage;
  }
  options.pull.output = options.output;
  if (options.password_stdin != !options.username.empty()) {
    fmt::print(stderr, "fetchpool: error: --username and --password-stdin go together\n");
    return kExitUsage;
  }
  if (options.password_stdin) {
    // As docker login: the password never appears on a command line or in the environment.
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    options.pull.credentials = options.username + ":" + password;
  }
  options.pull.engine.verify_tls = !options.insecure;
  std::mutex print_mutex;
  if (!options.quiet) {
    options.pull.engine.on_finished = [&print_mutex](const Result& result) {
      // A blob's file name is its digest; show it the way docker does, 12 hex digits.
      std::string name = result.path.substr(result.path.rfind('/') + 1).substr(0, 12);
      std::lock_guard lock(print_mutex);
      if (result.status == Status::skipped) {
        fmt::print(stderr, "{}: already there\n", name);
      } else if (result.ok()) {
        fmt::print(stderr, "{}: done ({})\n", name, progress::format_bytes(result.bytes));
      } else {
        fmt::print(stderr, "{}: FAILED: {}\n", name, result.message);
      }
    };
  }
  PullResult result = pull_image(options.pull);
  if (!result.ok) {
    fmt::print(stderr, "fetchpool: pull {}: {}\n", options.pull.image, result.error);
    return kExitFailed;
  }
  if (!options.quiet) {
    fmt::print(stderr, "pulled {} ({}) into {}\n", result.reference, result.manifest_digest, options.output);
  }
  return kExitOk;
}

}  // namespace fetchpool::cli
