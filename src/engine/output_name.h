#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace fetchpool::engine {

/// Decodes %XX escapes; malformed escapes are kept as they are.
std::string percent_decode(std::string_view text);

/// The file name a URL path implies: its last segment, percent-decoded, made safe
/// (separators and control characters become '_'); "index.html" when that leaves nothing
/// usable ("", ".", ".."). The result is always a single safe path component.
std::string file_name_from_url_path(std::string_view raw_path);

/// The file name a server suggested (Content-Disposition), made safe like a URL's: only
/// its last component (after any '/' or '\\'), control characters as '_', blanks trimmed.
/// Empty when nothing usable is left ("", ".", ".."), when it is not valid UTF-8, or when it
/// is longer than a file name may be (255 bytes): then the URL's name is kept.
std::string file_name_from_server(std::string_view suggested);

/// Checks a name given by a person or program ("out=", "-o"): relative, no ".." component,
/// no NUL or control characters, not empty, not naming a directory ("sub/", ".", "sub/.").
/// Returns false with `error` set otherwise.
bool check_relative_name(std::string_view name, std::string* error);

/// Where a download's file goes: `*relative` ("sub/NAME") beneath the directory `*root`.
/// A relative `directory` (Request::directory) lies beneath `output_dir` and may not
/// contain ".."; an absolute one, which only a program can give, is its own root. False
/// with `error` set for a `directory` with "..".
bool locate_output(const std::filesystem::path& directory, const std::filesystem::path& output_dir,
                   const std::string& name, std::filesystem::path* root, std::string* relative,
                   std::string* error);

}  // namespace fetchpool::engine
