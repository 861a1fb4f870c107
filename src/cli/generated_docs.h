#pragma once

#include <string>

namespace CLI {
class App;
}

namespace fetchpool::cli {

/// The man page (roff, man(7) macros) of the command line `app` describes: its
/// description, each subcommand's options by group, and the footers: the same text as
/// --help, so the two never disagree.
std::string man_page(const CLI::App& app, const std::string& version);

// The completion scripts: cli/shell_completions.h.

}  // namespace fetchpool::cli
