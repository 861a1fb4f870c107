#include "registry/docker_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "text/base64.h"

namespace fetchpool::registry {
namespace {

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
      std::string pair = text::base64_decode(entry["auth"].get<std::string>()).value_or("");
      if (pair.find(':') != std::string::npos) return pair;
    }
    if (entry.contains("username") && entry.contains("password"))
      return entry.value("username", "") + ":" + entry.value("password", "");
  }
  return {};
}

}  // namespace fetchpool::registry
