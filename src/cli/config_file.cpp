#include "cli/config_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fetchpool::cli {
namespace {

std::string trim(const std::string& text) {
  const char* blanks = " \t\r";
  std::size_t begin = text.find_first_not_of(blanks);
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(blanks) - begin + 1);
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

std::string config_file_path(bool* required) {
  *required = false;
  if (std::string given = env("FETCHPOOL_CONFIG"); !given.empty()) {
    *required = true;
    return given;
  }
  std::string base = env("XDG_CONFIG_HOME");
  if (base.empty()) {
    std::string home = env("HOME");
    if (home.empty()) return {};
    base = home + "/.config";
  }
  std::string path = base + "/fetchpool/config";
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(path), ec) ? path : std::string();
}

bool read_config_file(const std::string& path, std::vector<ConfigSetting>* settings, std::string* error) {
  std::ifstream in(std::filesystem::path(path), std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(std::filesystem::path(path), ec)) {
    *error = "config file " + path + ": cannot read it (" + std::strerror(errno) +
             "): fix it, or skip it with --no-config";
    return false;
  }
  std::string command;
  std::string raw;
  for (int line = 1; std::getline(in, raw); ++line) {
    if (line == 1 && raw.rfind("\xEF\xBB\xBF", 0) == 0) raw.erase(0, 3);  // UTF-8 BOM
    std::string text = trim(raw);
    if (text.empty() || text[0] == '#') continue;
    const std::string where = path + ":" + std::to_string(line) + ": ";
    if (text.front() == '[') {
      if (text != "[get]" && text != "[pull]") {
        *error = where + "'" + text + "' is not a section fetchpool knows: [get] or [pull]";
        return false;
      }
      command = text.substr(1, text.size() - 2);
      continue;
    }
    ConfigSetting setting;
    setting.command = command;
    setting.line = line;
    std::size_t equals = text.find('=');
    setting.name = trim(text.substr(0, equals));
    if (setting.name.rfind("--", 0) == 0) setting.name.erase(0, 2);  // "--jobs = 4" as typed
    if (equals != std::string::npos) {
      setting.value = trim(text.substr(equals + 1));
      setting.has_value = true;
      // "header = "X: y"": the quotes are the file's, not the value's.
      if (setting.value.size() >= 2 && setting.value.front() == '"' && setting.value.back() == '"')
        setting.value = setting.value.substr(1, setting.value.size() - 2);
    }
    if (setting.name.empty() || setting.name.find_first_of(" \t") != std::string::npos) {
      *error = where + "expected 'name = value' with a long option's name (as in 'jobs = 32')";
      return false;
    }
    settings->push_back(std::move(setting));
  }
  return true;
}

}  // namespace fetchpool::cli
