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
