#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <string_view>
#include <utility>

namespace fetchpool::cli {

/// Writes `text` to `stream` (stdout or stderr) and flushes; a failed write (a closed pipe,
/// a full disk behind a redirect) is ignored. What the terminal shows is a courtesy: the
/// downloads, the report file and the exit status never depend on it. Every write of the
/// command line to stdout or stderr goes through here.
void write_console(std::FILE* stream, std::string_view text) noexcept;

/// fmt::print to stdout or stderr through write_console: never throws on a failed write.
template <typename... Args>
void print_console(std::FILE* stream, fmt::format_string<Args...> format, Args&&... args) {
  write_console(stream, fmt::format(format, std::forward<Args>(args)...));
}

/// "fetchpool: error: MESSAGE" on stderr: how every command reports what stops it.
void print_error(std::string_view message);

}  // namespace fetchpool::cli
