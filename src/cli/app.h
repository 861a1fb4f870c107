#pragma once

namespace fetchpool::cli {

/// The fetchpool command: parses argv (CLI11), dispatches to a subcommand, returns the
/// process exit status (see ExitStatus).
int run_app(int argc, char** argv);

}  // namespace fetchpool::cli
