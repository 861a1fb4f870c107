#include "registry/credentials.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "platform/subprocess.h"
#include "text/base64.h"

namespace fetchpool::registry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::chrono::milliseconds kHelperTimeout{10000};

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

/// The auth files to read, in order (see find_credentials).
std::vector<fs::path> auth_files(const std::string& auth_file) {
  if (!auth_file.empty()) return {fs::path(auth_file)};
  std::vector<fs::path> files;
  const std::string home = env("HOME");
  if (std::string file = env("REGISTRY_AUTH_FILE"); !file.empty()) {
    files.emplace_back(file);
  } else {
    if (std::string runtime = env("XDG_RUNTIME_DIR"); !runtime.empty())
      files.push_back(fs::path(runtime) / "containers/auth.json");
    if (!home.empty()) files.push_back(fs::path(home) / ".config/containers/auth.json");
  }
  if (std::string dir = env("DOCKER_CONFIG"); !dir.empty()) {
    files.push_back(fs::path(dir) / "config.json");
  } else if (!home.empty()) {
    files.push_back(fs::path(home) / ".docker/config.json");
  }
  return files;
}

/// The keys an entry for `registry` may have in `auths` (docker login writes Docker Hub's
/// as its v1 URL), and the server name a helper is asked for (the first).
std::vector<std::string> keys_for(const std::string& registry) {
  if (registry == "docker.io")
    return {"https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"};
  return {registry, "https://" + registry, "http://" + registry, "https://" + registry + "/v2/"};
}

/// An auths entry's user:password: `auth` (the base64 of user:password), else `username`
/// and `password`. Empty when it has neither.
std::string user_password(const json& entry) {
  if (entry.contains("auth") && entry["auth"].is_string()) {
    std::string pair = text::base64_decode(entry["auth"].get<std::string>()).value_or("");
    if (pair.find(':') != std::string::npos) return pair;
  }
  if (entry.contains("username") && entry["username"].is_string() && entry.contains("password") &&
      entry["password"].is_string())
    return entry["username"].get<std::string>() + ":" + entry["password"].get<std::string>();
  return {};
}

/// An auths entry's secret into `search`: its identity token (docker login keeps one there
/// beside an `auth` without a password), else its user:password. False when it has neither.
bool from_auths_entry(const json& entry, CredentialSearch* search) {
  if (!entry.is_object()) return false;
  if (entry.contains("identitytoken") && entry["identitytoken"].is_string() &&
      !entry["identitytoken"].get<std::string>().empty()) {
    search->identity_token = entry["identitytoken"].get<std::string>();
    return true;
  }
  std::string pair = user_password(entry);
  if (pair.empty()) return false;
  search->credentials = std::move(pair);
  return true;
}

/// A helper's name from a config: a bare name, no path (it is looked up on PATH).
bool usable_helper_name(const json& value) {
  if (!value.is_string()) return false;
  const std::string name = value.get<std::string>();
  return !name.empty() && name.find('/') == std::string::npos;
}

/// One auth file: true with `search->credentials` or `search->identity_token` when it had them.
bool search_file(const fs::path& path, const std::string& registry, CredentialSearch* search) {
  const std::string shown = path.string();
  std::ifstream in(path);
  if (!in) {
    search->tried.push_back(shown + " (not there)");
    return false;
  }
  json config = json::parse(in, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    search->problems.push_back(shown + " is not JSON");
    search->tried.push_back(shown + " (not JSON)");
    return false;
  }
  const std::vector<std::string> keys = keys_for(registry);
  auto ask = [&](const std::string& helper, const std::string& why) {
    std::string problem;
    const std::string program = "docker-credential-" + helper;
    if (run_credential_helper(helper, keys.front(), &search->credentials, &search->identity_token,
                              &problem)) {
      search->source = "credential helper " + program + " (" + why + " in " + shown + ")";
      return true;
    }
    search->tried.push_back("credential helper " + program + " (" + why + " in " + shown + ": " +
                            (problem.empty() ? "no credentials for " + registry : "failed") + ")");
    if (!problem.empty()) search->problems.push_back(program + ": " + problem);
    return false;
  };
  if (config.contains("credHelpers") && config["credHelpers"].is_object()) {
    for (const std::string& key : keys) {
      const json& helpers = config["credHelpers"];
      if (helpers.contains(key) && usable_helper_name(helpers[key]))
        return ask(helpers[key].get<std::string>(), "credHelpers");
    }
  }
  if (config.contains("credsStore") && usable_helper_name(config["credsStore"]) &&
      ask(config["credsStore"].get<std::string>(), "credsStore"))
    return true;
  if (config.contains("auths") && config["auths"].is_object()) {
    for (const std::string& key : keys) {
      if (!config["auths"].contains(key)) continue;
      if (!from_auths_entry(config["auths"][key], search)) continue;
      search->source = search->identity_token.empty() ? shown : "the identity token in " + shown;
      return true;
    }
  }
  search->tried.push_back(shown + " (no entry for " + registry + ")");
  return false;
}

}  // namespace

bool run_credential_helper(const std::string& name, const std::string& server, std::string* credentials,
                           std::string* identity_token, std::string* problem) {
  const std::string program = "docker-credential-" + name;
  platform::ProgramRun run = platform::run_program({program, "get"}, server + "\n", kHelperTimeout);
  std::string err = run.err.substr(0, 300);
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
  if (!run.started) {
    *problem = "cannot run it (" + run.error + "): is it installed and on PATH?";
    return false;
  }
  if (run.timed_out) {
    *problem = "gave no answer in " + std::to_string(kHelperTimeout.count() / 1000) + " s (stopped)";
    return false;
  }
  if (run.exit_code != 0) {
    // The protocol's "not found" comes on stdout ("credentials not found in native keychain").
    if (run.out.find("not found") != std::string::npos || err.find("not found") != std::string::npos)
      return false;
    *problem = "exited with status " + std::to_string(run.exit_code) + (err.empty() ? "" : ": " + err);
    return false;
  }
  json answer = json::parse(run.out, nullptr, false);
  if (!answer.is_object() || !answer.contains("Secret") || !answer["Secret"].is_string()) {
    *problem = "answered without a Secret (not the credential helper protocol)";
    return false;
  }
  const std::string user = answer.value("Username", "");
  const std::string secret = answer["Secret"].get<std::string>();
  if (secret.empty()) return false;
  if (user == "<token>") {
    *identity_token = secret;
    return true;
  }
  if (user.empty()) return false;
  *credentials = user + ":" + secret;
  return true;
}

CredentialSearch find_credentials(const std::string& registry, const std::string& auth_file) {
  CredentialSearch search;
  for (const fs::path& file : auth_files(auth_file)) {
    if (search_file(file, registry, &search)) break;
  }
  return search;
}

std::string missing_credentials_advice(const std::string& registry, const CredentialSearch& search) {
  std::string advice;
  if (!search.source.empty()) {
    advice = "the credentials from " + search.source + " were used";
  } else {
    advice = "tried --username (not given)";
    for (const std::string& place : search.tried) advice += ", " + place;
  }
  for (const std::string& problem : search.problems) advice += "; " + problem;
  return advice + ": log in with `docker login " + registry + "` or `podman login " + registry +
         "`, or give --username and --password-stdin";
}

}  // namespace fetchpool::registry
