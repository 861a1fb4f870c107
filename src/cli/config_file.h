#pragma once

#include <string>
#include <vector>

namespace fetchpool::cli {

/// One setting of the config file: a long option's name and its value, as aria2.conf and
/// .curlrc have them ("jobs = 32", "insecure", "header = X-Team: a").
struct ConfigSetting {
  std::string name;   ///< Without the leading "--".
  std::string value;  ///< Empty with !has_value (a flag).
  bool has_value = false;
  std::string command;  ///< "[get]" or "[pull]" above it: only that command; empty: any.
  int line = 0;
};

/// Where the config file is: $FETCHPOOL_CONFIG when set (then it must be readable:
/// `*required`), else ${XDG_CONFIG_HOME:-$HOME/.config}/fetchpool/config when it exists.
/// Empty: none.
std::string config_file_path(bool* required);

/// Reads the settings of `path`: one per line; '#' starts a comment line; blank lines are
/// skipped; "[get]" or "[pull]" starts the settings of that command alone. False (with
/// `error`, naming the file and line) when it cannot be read or a line is malformed.
bool read_config_file(const std::string& path, std::vector<ConfigSetting>* settings, std::string* error);

}  // namespace fetchpool::cli
