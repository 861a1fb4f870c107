#include "engine/output_name.h"

#include <cstdint>

#include "text/ascii.h"

namespace fetchpool::engine {
namespace {

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): a name
// that is not would show as mojibake and cannot be made on every file system.
bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = byte < 0x80           ? 1
                         : (byte >> 5) == 0x6  ? 2
                         : (byte >> 4) == 0xe  ? 3
                         : (byte >> 3) == 0x1e ? 4
                                               : 0;
    if (length == 0 || i + length > text.size()) return false;
    std::uint32_t code = length == 1 ? byte : byte & (0x7f >> length);
    for (std::size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += length;
  }
  return true;
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int high = text::hex_digit_value(text[i + 1]);
      int low = text::hex_digit_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string file_name_from_url_path(std::string_view raw_path) {
  // Split before decoding: an encoded "%2F" is part of the name, not a separator.
  std::size_t slash = raw_path.rfind('/');
  std::string_view segment = slash == std::string_view::npos ? raw_path : raw_path.substr(slash + 1);
  std::string name = percent_decode(segment);
  for (char& c : name) {
    if (c == '/' || c == '\\' || is_control(static_cast<unsigned char>(c))) c = '_';
  }
  if (name.empty() || name == "." || name == "..") return "index.html";
  return name;
}

std::string file_name_from_server(std::string_view suggested) {
  constexpr std::size_t kMaxNameBytes = 255;  // NAME_MAX of ext4, XFS, btrfs, APFS, NTFS
  std::size_t last = suggested.find_last_of("/\\");
  if (last != std::string_view::npos) suggested.remove_prefix(last + 1);
  if (!is_valid_utf8(suggested)) return {};
  std::size_t begin = suggested.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  std::string name(suggested.substr(begin, suggested.find_last_not_of(" \t") - begin + 1));
  for (char& c : name) {
    if (is_control(static_cast<unsigned char>(c))) c = '_';
  }
  if (name == "." || name == ".." || name.size() > kMaxNameBytes) return {};
  return name;
}

bool check_relative_name(std::string_view name, std::string* error) {
  if (name.empty()) {
    *error = "empty output name";
    return false;
  }
  for (char c : name) {
    if (is_control(static_cast<unsigned char>(c))) {
      *error = "output name contains a control character";
      return false;
    }
  }
  if (name.front() == '/' || name.front() == '\\' || (name.size() > 1 && name[1] == ':')) {
    *error = "output name '" + std::string(name) +
             "' is absolute: give a name relative to the output directory (-d DIR)";
    return false;
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = name.size();
    if (name.substr(start, end - start) == "..") {
      *error =
          "output name '" + std::string(name) + "' contains '..': it must stay inside the output directory";
      return false;
    }
    start = end + 1;
  }
  std::size_t last = name.find_last_of("/\\");
  std::string_view leaf = last == std::string_view::npos ? name : name.substr(last + 1);
  if (leaf.empty() || leaf == ".") {
    *error = "output name '" + std::string(name) + "' names a directory, not a file";
    return false;
  }
  return true;
}

bool locate_output(const std::filesystem::path& directory, const std::filesystem::path& output_dir,
                   const std::string& name, std::filesystem::path* root, std::string* relative,
                   std::string* error) {
  if (directory.is_absolute()) {
    *root = directory;
    *relative = std::filesystem::path(name).lexically_normal().generic_string();
    return true;
  }
  for (const auto& component : directory) {
    if (component == "..") {
      *error =
          "directory '" + directory.string() + "' contains '..': it must stay inside the output directory";
      return false;
    }
  }
  *root = output_dir.empty() ? std::filesystem::path(".") : output_dir;
  *relative = (directory / name).lexically_normal().generic_string();
  return true;
}

}  // namespace fetchpool::engine
