#pragma once

#include <string>

namespace CLI {
class App;
}

namespace fetchpool::cli {

// Completion scripts for the command line `app` describes, written from the option table
// that prints --help (so they cannot disagree with it): the subcommands, each one's options,
// file names after an option taking a FILE or PATH, directories after a DIR, and the values
// of an option that takes one of a fixed list (cli/option_values.h: --progress, --if-exists,
// pull's --format).

/// For bash (`complete -F`), installed as share/bash-completion/completions/fetchpool.
std::string bash_completion(const CLI::App& app);

/// For zsh (`#compdef`, _arguments), installed as share/zsh/site-functions/_fetchpool.
std::string zsh_completion(const CLI::App& app);

/// For fish (`complete -c`), installed as share/fish/vendor_completions.d/fetchpool.fish.
std::string fish_completion(const CLI::App& app);

}  // namespace fetchpool::cli
