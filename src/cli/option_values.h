#pragma once

#include <algorithm>
#include <array>
#include <span>
#include <string_view>

namespace fetchpool::cli {

/// The values of an option that takes one of a fixed list, as the shell completions offer
/// them. The command checks the value against the same list.
struct OptionValues {
  std::string_view command;  ///< "get", "pull".
  std::string_view option;   ///< The long name: "--progress".
  std::span<const std::string_view> values;
};

inline constexpr std::array<std::string_view, 4> kProgressModes{"bar", "plain", "json", "none"};
inline constexpr std::array<std::string_view, 3> kIfExistsModes{"skip", "fail", "overwrite"};
inline constexpr std::array<std::string_view, 2> kPullFormats{"docker-archive", "oci"};

inline constexpr std::array<OptionValues, 4> kOptionValues{{
    {"get", "--progress", kProgressModes},
    {"get", "--if-exists", kIfExistsModes},
    {"pull", "--progress", kProgressModes},
    {"pull", "--format", kPullFormats},
}};

/// The fixed values of `command`'s `option` (a long name), empty when it takes any.
inline std::span<const std::string_view> option_values(std::string_view command, std::string_view option) {
  for (const OptionValues& entry : kOptionValues) {
    if (entry.command == command && entry.option == option) return entry.values;
  }
  return {};
}

/// Whether `value` is one of `values`.
inline bool is_one_of(std::string_view value, std::span<const std::string_view> values) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace fetchpool::cli
