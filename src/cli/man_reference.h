#pragma once

#include <span>
#include <string>

namespace fetchpool::cli {

/// One entry of a reference list: an exit status, an environment variable, a file.
struct ReferenceEntry {
  const char* name;  ///< "130", "NO_COLOR", "~/.netrc", "curl(1)".
  const char* text;  ///< What it means, a sentence or two (empty for SEE ALSO).
};

/// The exit statuses of every command (ExitStatus in cli/get_command.h), for EXIT STATUS.
std::span<const ReferenceEntry> exit_statuses();

/// The environment variables fetchpool reads, for ENVIRONMENT and --help's "Environment:".
std::span<const ReferenceEntry> environment_variables();

/// The files fetchpool reads on its own, for FILES.
std::span<const ReferenceEntry> reference_files();

/// Related commands, for SEE ALSO.
std::span<const ReferenceEntry> see_also();

/// --help's "Environment:" block: a line per variable, names padded to one column.
std::string environment_help();

}  // namespace fetchpool::cli
