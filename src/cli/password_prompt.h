#pragma once

#include <string>

namespace fetchpool::cli {

/// Asks for a password on the terminal, as curl does for `-u USER`: `prompt` is written to
/// the terminal (not to stdout or stderr, which may be redirected), the answer is read
/// without echoing it, up to the end of the line. False (with `error`) when the process has
/// no terminal to ask on. Ctrl-C at the prompt ends the process with the echo restored.
bool ask_password(const std::string& prompt, std::string* password, std::string* error);

}  // namespace fetchpool::cli
