#include "registry/registry_client.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "hash/digest.h"
#include "registry/auth_challenge.h"
#include "registry/manifest.h"
#include "registry/stated_error.h"
#include "text/base64.h"

namespace fetchpool::registry {
namespace {

constexpr std::size_t kMaxReplyBytes = 4 * 1024 * 1024;  // the spec's limit for manifests

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// What the registry (or its token service) said of a failed request: its words, for
// the message; empty when it gave none.
StatedError said_by(const Result& reply) {
  return reply.ok() || !reply.body ? StatedError{} : stated_error(*reply.body);
}

// `before` + "WHO says: CODE: message" + `after`, or "" when it said nothing.
std::string quoted(const StatedError& said, const char* who, const char* before, const char* after = "") {
  return said.text.empty() ? std::string() : before + std::string(who) + " says: " + said.text + after;
}

}  // namespace

RegistryClient::RegistryClient(Engine& engine, ImageReference reference, RegistryClientOptions options)
    : engine_(engine), reference_(std::move(reference)), options_(std::move(options)) {}

std::string RegistryClient::base_url() const {
  std::string root;
  const std::string& endpoint = options_.endpoint;
  if (endpoint.rfind("http://", 0) == 0 || endpoint.rfind("https://", 0) == 0) {
    root = endpoint;
  } else {
    ImageReference where = reference_;
    if (!endpoint.empty()) where.registry = endpoint;
    bool plain = options_.plain_http || where.is_loopback();
    root = std::string(plain ? "http://" : "https://") + (endpoint.empty() ? where.api_host() : endpoint);
  }
  while (!root.empty() && root.back() == '/') root.pop_back();
  return root + "/v2/" + reference_.repository + "/";
}

std::string RegistryClient::blob_url(const std::string& digest) const {
  return base_url() + "blobs/" + digest;
}

Result RegistryClient::get(const std::string& url, const std::string& accept,
                           const std::string& authorization, const std::string& label,
                           std::optional<std::string> form) {
  Request request;
  request.url = url;
  request.post_body = std::move(form);
  request.to_memory = true;
  request.memory_limit = kMaxReplyBytes;
  request.label = label;
  request.max_time_s = options_.request_timeout_s;
  request.retries = options_.retries;
  if (!accept.empty()) request.headers.push_back("Accept: " + accept);
  // The engine drops it on a redirect to another host, as it does for every request.
  if (!authorization.empty()) request.headers.push_back("Authorization: " + authorization);
  return engine_.submit(std::move(request)).wait();
}

namespace {

// Why a request the registry did not answer with a status ended; empty when it did.
std::string failure_without_status(const Result& reply) {
  if (reply.status == Status::ok || reply.category == ErrorCategory::http) return {};
  if (reply.category == ErrorCategory::too_large)
    return "the answer is larger than 4 MiB, which no manifest or token is";
  return reply.message;
}

}  // namespace

bool RegistryClient::authorize(const std::string& challenge, std::string* error) {
  AuthChallenge parsed = parse_auth_challenge(challenge);
  const std::string& scheme = parsed.scheme;
  std::map<std::string, std::string>& parameters = parsed.parameters;
  if (scheme == "basic") {
    if (options_.credentials.empty() && !options_.identity_token.empty()) {
      *error =
          "the registry asks for a user and password (Basic), and the only credential found is an "
          "identity token (from " +
          options_.credentials_source + "), which Basic cannot carry; " + options_.missing_advice;
      return false;
    }
    if (options_.credentials.empty()) {
      *error = "the registry asks for credentials; " + options_.missing_advice;
      return false;
    }
    authorization_ = "Basic " + text::base64_encode(options_.credentials);
    return true;
  }
  if (scheme != "bearer" || parameters["realm"].empty()) {
    *error = "the registry asks for an authentication fetchpool does not speak: " + challenge;
    return false;
  }
  std::string token = request_token(parameters, error);
  if (token.empty()) return false;
  authorization_ = "Bearer " + token;
  return true;
}

std::string RegistryClient::request_token(std::map<std::string, std::string>& parameters,
                                          std::string* error) {
  const std::string& realm = parameters["realm"];
  std::string scope =
      parameters.count("scope") ? parameters["scope"] : "repository:" + reference_.repository + ":pull";
  std::string query = "service=" + url_encode(parameters["service"]) + "&scope=" + url_encode(scope);
  Result reply;
  if (!options_.identity_token.empty()) {
    // Docker's way with an identity token: the OAuth2 refresh-token grant, POSTed.
    reply = get(realm, "", "", "token",
                query + "&grant_type=refresh_token&client_id=fetchpool&refresh_token=" +
                    url_encode(options_.identity_token));
  } else {
    const std::string basic =
        options_.credentials.empty() ? std::string() : "Basic " + text::base64_encode(options_.credentials);
    reply = get(realm + (realm.find('?') == std::string::npos ? "?" : "&") + query, "", basic, "token");
  }
  if (std::string failure = failure_without_status(reply); !failure.empty()) {
    *error = "token request to " + redact_url(realm) + " failed: " + failure;
    return {};
  }
  const StatedError said = said_by(reply);
  const std::string words = quoted(said, "it", "; ");  // it: the token service
  if (!options_.identity_token.empty() && reply.http_status == 400 && !said.code.empty() &&
      said.code != "invalid_grant") {
    // Not a verdict on the token (OAuth2 says invalid_grant for that): the request itself.
    *error = "the registry's token service rejects fetchpool's token request (HTTP 400" + words +
             "): report it, with the registry's name";
    return {};
  }
  if (reply.http_status == 401 || reply.http_status == 403 ||
      (!options_.identity_token.empty() && reply.http_status == 400)) {
    // OAuth2 answers a refresh token it does not take with 400 invalid_grant.
    *error = anonymous() ? "the registry's token service refuses anonymous access (HTTP " +
                               std::to_string(reply.http_status) + words + "); " + options_.missing_advice
             : !options_.identity_token.empty()
                 ? "the registry's token service refuses the identity token (HTTP " +
                       std::to_string(reply.http_status) + words +
                       "), which may have expired or been revoked; " + options_.missing_advice
                 : "the registry's token service refuses these credentials (HTTP " +
                       std::to_string(reply.http_status) + ", from " + options_.credentials_source + words +
                       ")";
    return {};
  }
  auto json = reply.body ? nlohmann::json::parse(*reply.body, nullptr, false) : nlohmann::json();
  std::string token;
  if (reply.status == Status::ok && json.is_object()) {
    auto text = [&](const char* key) {
      return json.contains(key) && json[key].is_string() ? json[key].get<std::string>() : std::string();
    };
    token = text("token");
    if (token.empty()) token = text("access_token");
    // A token service may hand out a new refresh token with each answer (and take each
    // only once): the next request (a renewal mid-pull) sends that one, as Docker does.
    if (std::string renewed = text("refresh_token"); !options_.identity_token.empty() && !renewed.empty())
      options_.identity_token = std::move(renewed);
  }
  if (token.empty()) {
    *error = "the token service at " + redact_url(realm) + " answered HTTP " +
             std::to_string(reply.http_status) + " without a token";
  }
  return token;
}

bool RegistryClient::renew_authorization(std::string* error) {
  if (last_challenge_.empty()) {
    *error = "the registry refused a blob without asking for credentials first";
    return false;
  }
  return authorize(last_challenge_, error);
}

bool RegistryClient::get_manifest(const std::string& reference, std::string* body, std::string* content_type,
                                  std::string* digest, std::string* error) {
  std::string url = base_url() + "manifests/" + reference;
  std::string where = "manifest " + reference_.familiar_name() + " (" + url + ")";
  Result reply;
  // At most one challenge answered per request: a second 401 means the credentials are not enough.
  for (int round = 0; round < 2; ++round) {
    reply = get(url, kManifestAccept, authorization_, "manifest " + reference);
    if (std::string failure = failure_without_status(reply); !failure.empty()) {
      *error = where + ": " + failure;
      return false;
    }
    if (reply.http_status != 401 || round == 1) break;
    last_challenge_ = std::string(reply.header("WWW-Authenticate"));
    if (!authorize(last_challenge_, error)) {
      *error = where + ": " + *error;
      return false;
    }
  }
  const StatedError said = said_by(reply);
  if (reply.http_status == 401) {
    *error = where + ": HTTP 401" + quoted(said, "the registry", " (", ")") + " even with " +
             (anonymous() ? "an anonymous token; " + options_.missing_advice
                          : "the credentials from " + options_.credentials_source);
    return false;
  }
  if (reply.http_status == 404) {
    // NAME_UNKNOWN (no such repository) or MANIFEST_UNKNOWN (no such tag), where it says.
    *error = where + ": not found (HTTP 404" + quoted(said, "the registry", "; ") +
             "): check the repository name and the tag";
    return false;
  }
  if (reply.status != Status::ok || !reply.body) {
    *error = where + ": " + reply.message + quoted(said, "the registry", " (", ")");
    return false;
  }
  // The engine has checked the bytes against the Docker-Content-Digest the registry sent.
  hash::Digest sha256("sha256");
  sha256.update(reply.body->data(), reply.body->size());
  std::string actual = "sha256:" + sha256.finish();
  if (reference.rfind("sha256:", 0) == 0 && actual != reference) {
    *error = where + ": the registry sent a manifest whose digest is " + actual + ", not the one asked for";
    return false;
  }
  *body = *reply.body;
  *content_type = std::string(reply.header("Content-Type"));
  *digest = actual;
  return true;
}

}  // namespace fetchpool::registry
