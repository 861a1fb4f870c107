#include "cli/man_reference.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace fetchpool::cli {
namespace {

// The text of both the man page and --help: kept here once, so they cannot disagree.
constexpr std::array kExitStatuses{
    ReferenceEntry{"0", "Every file is there, downloaded or already present (pull: the image is written)."},
    ReferenceEntry{"1",
                   "At least one file failed or was cancelled; the others are there (pull: the image "
                   "could not be written)."},
    ReferenceEntry{"2",
                   "Usage error: a bad option or URL, an unreadable input list or config file; nothing "
                   "was downloaded."},
    ReferenceEntry{"130",
                   "Interrupted (SIGINT or SIGTERM): running transfers stopped, NAME.part kept; the same "
                   "command again continues them."},
};

constexpr std::array kEnvironment{
    ReferenceEntry{"http_proxy",
                   "The proxy for http URLs (the upper-case HTTP_PROXY is not read, as by curl)."},
    ReferenceEntry{"https_proxy, HTTPS_PROXY", "The proxy for https URLs."},
    ReferenceEntry{"all_proxy, ALL_PROXY", "The proxy for URLs the two above do not cover."},
    ReferenceEntry{"no_proxy, NO_PROXY", "Hosts reached directly: names, addresses, CIDR ranges, or *."},
    ReferenceEntry{"NO_COLOR", "Set (to anything): no colour on the live display."},
    ReferenceEntry{"FETCHPOOL_CONFIG",
                   "The config file to read instead of ~/.config/fetchpool/config; it must "
                   "exist. --no-config reads none."},
    ReferenceEntry{"XDG_CONFIG_HOME", "Where the default config file is, instead of ~/.config."},
    ReferenceEntry{"DOCKER_CONFIG",
                   "The directory of the config.json pull takes registry credentials from "
                   "(default: ~/.docker)."},
    ReferenceEntry{"JOB_COMPLETION_INDEX",
                   "--shard auto in a Kubernetes Indexed Job: this pod's shard (from 0)."},
    ReferenceEntry{"FETCHPOOL_SHARD_COUNT",
                   "--shard auto with JOB_COMPLETION_INDEX: how many shards there are (the Job's "
                   "completions; or --shard auto/N)."},
    ReferenceEntry{"SLURM_ARRAY_TASK_ID",
                   "--shard auto in a Slurm array: shard (ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP "
                   "of SLURM_ARRAY_TASK_COUNT (or of (MAX - MIN) / STEP + 1)."},
    ReferenceEntry{"HOME", "Where ~ is: the config file, ~/.netrc, ~/.docker."},
    ReferenceEntry{"LANG, LC_ALL, LC_CTYPE",
                   "Without a UTF-8 locale the live display draws its bars with #."},
};

constexpr std::array kFiles{
    ReferenceEntry{"~/.config/fetchpool/config",
                   "Default options: a long option per line (jobs = 32), # for "
                   "comments; the command line wins (see FETCHPOOL_CONFIG)."},
    ReferenceEntry{"~/.netrc", "Credentials per host, read with --netrc (--netrc-file FILE reads FILE)."},
    ReferenceEntry{"~/.docker/config.json", "Registry credentials for pull (see DOCKER_CONFIG)."},
    ReferenceEntry{"NAME.part, NAME.part.state",
                   "A download in progress and what it needs to continue; NAME "
                   "appears only when complete and verified."},
};

constexpr std::array kSeeAlso{
    ReferenceEntry{"curl(1)", ""},   ReferenceEntry{"wget(1)", ""},  ReferenceEntry{"aria2c(1)", ""},
    ReferenceEntry{"skopeo(1)", ""}, ReferenceEntry{"netrc(5)", ""},
};

}  // namespace

std::span<const ReferenceEntry> exit_statuses() {
  return kExitStatuses;
}
std::span<const ReferenceEntry> environment_variables() {
  return kEnvironment;
}
std::span<const ReferenceEntry> reference_files() {
  return kFiles;
}
std::span<const ReferenceEntry> see_also() {
  return kSeeAlso;
}

std::string environment_help() {
  constexpr std::size_t kWidth = 96;  // --help's other lines stay within it too
  std::size_t column = 0;
  for (const ReferenceEntry& entry : kEnvironment)
    column = std::max(column, std::string_view(entry.name).size());
  const std::string indent(2 + column + 2, ' ');
  std::string text = "Environment:";
  for (const ReferenceEntry& entry : kEnvironment) {
    std::string line = fmt::format("  {:<{}}  ", entry.name, column);
    std::string_view rest = entry.text;
    // Words wrapped under the first, at most one line per word.
    for (std::size_t words = 0; !rest.empty() && words <= std::string_view(entry.text).size(); ++words) {
      std::size_t end = rest.find(' ');
      std::string_view word = rest.substr(0, end);
      if (line.size() + word.size() > kWidth && line.size() > indent.size()) {
        text += "\n" + line.substr(0, line.find_last_not_of(' ') + 1);
        line = indent;
      }
      line += std::string(word) + " ";
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    text += "\n" + line.substr(0, line.find_last_not_of(' ') + 1);
  }
  return text;
}

}  // namespace fetchpool::cli
