#include "registry/docker_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

namespace fetchpool::registry {
namespace {

std::string decode_base64(const std::string& text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+'             ? 62
                : c == '/'             ? 63
                                       : -1;
    if (value < 0) continue;  // '=' padding, line breaks
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

std::filesystem::path config_path() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir)
    return std::filesystem::path(dir) / "config.json";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".docker/config.json";
  return {};
}

}  // namespace

std::string docker_config_credentials(const std::string& registry) {
  std::filesystem::path path = config_path();
  std::ifstream in(path);
  if (path.empty() || !in) return {};
  auto config = nlohmann::json::parse(in, nullptr, false);
  if (config.is_discarded() || !config.contains("auths") || !config["auths"].is_object()) return {};
  std::vector<std::string> keys;
  if (registry == "docker.io") {
    keys = {"https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"};
  } else {
    keys = {registry, "https://" + registry, "http://" + registry, "https://" + registry + "/v2/"};
  }
  for (const std::string& key : keys) {
    if (!config["auths"].contains(key) || !config["auths"][key].is_object()) continue;
    const auto& entry = config["auths"][key];
    if (entry.contains("auth") && entry["auth"].is_string()) {
      std::string pair = decode_base64(entry["auth"]);
      if (pair.find(':') != std::string::npos) return pair;
    }
    if (entry.contains("username") && entry.contains("password"))
      return entry.value("username", "") + ":" + entry.value("password", "");
  }
  return {};
}

}  // namespace fetchpool::registry
