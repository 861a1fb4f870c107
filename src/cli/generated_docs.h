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

/// A bash completion script for `app`: subcommands, each one's options, file names after
/// options that take a FILE or PATH, directories after a DIR.
std::string bash_completion(const CLI::App& app);

}  // namespace fetchpool::cli
