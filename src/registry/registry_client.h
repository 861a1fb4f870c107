#pragma once

#include <map>
#include <optional>
#include <string>

#include "fetchpool/engine.h"
#include "registry/reference.h"

namespace fetchpool::registry {

struct RegistryClientOptions {
  bool plain_http = false;  ///< http:// instead of https:// (loopback registries use it anyway).
  /// Manifests and tokens are small: each request's whole limit, its retries included.
  double request_timeout_s = 60;
  /// Retries of each request; empty: the engine's. A mirror gets none, as Docker's do: one
  /// that cannot answer is skipped at once.
  std::optional<int> retries;
  /// "user:password" for Basic auth and for token requests; empty: anonymous.
  std::string credentials;
  /// An identity token (an OAuth2 refresh token, see CredentialSearch) instead of
  /// `credentials`: token requests POST it to the realm, as Docker does.
  std::string identity_token;
  /// Where `credentials` or `identity_token` came from, for a refusal's message ("--username", "credential
  /// helper docker-credential-pass (...)").
  std::string credentials_source;
  /// What to do when the registry wants credentials it was not given (see
  /// missing_credentials_advice): "tried ...: log in with ...".
  std::string missing_advice = "give --username and --password-stdin";
  /// Where to ask instead of the reference's registry: a mirror, "https://mirror.example" or
  /// "mirror.example" (https, unless on loopback) or "http://127.0.0.1:5001". Empty: the
  /// registry itself.
  std::string endpoint;
};

/// Talks to one repository of a Registry v2 through an Engine: manifests and tokens are
/// requests kept in memory (so retries, timeouts, proxies, TLS settings and cancellation
/// are the engine's), blobs are the caller's requests at blob_url() with authorization().
/// Auth as Docker does it: a 401 with `WWW-Authenticate: Bearer realm=..,service=..,scope=..`
/// fetches a token from the realm (a GET with the credentials, when given, as Basic; a POST
/// of the OAuth2 refresh-token grant with an identity token) and retries; a 401 with
/// `Basic` retries with the credentials.
class RegistryClient {
 public:
  /// `engine` must outlive the client.
  RegistryClient(Engine& engine, ImageReference reference, RegistryClientOptions options);

  /// "http(s)://HOST/v2/REPOSITORY/".
  std::string base_url() const;
  std::string blob_url(const std::string& digest) const;

  /// GETs /v2/REPOSITORY/manifests/REFERENCE. With a digest reference, the body is
  /// checked against it. `digest` receives the body's sha256 digest.
  bool get_manifest(const std::string& reference, std::string* body, std::string* content_type,
                    std::string* digest, std::string* error);

  /// The Authorization header value for this repository ("Bearer TOKEN", "Basic ..."), or
  /// empty for an anonymous registry.
  const std::string& authorization() const { return authorization_; }
  /// Gets a new token after a 401 on a blob (expired); false with `error` when it cannot.
  bool renew_authorization(std::string* error);

 private:
  /// One GET into memory, through the engine, sending `authorization` when not empty; a
  /// POST of `form` (application/x-www-form-urlencoded) when given.
  Result get(const std::string& url, const std::string& accept, const std::string& authorization,
             const std::string& label, std::optional<std::string> form = std::nullopt);
  /// Asks the realm of a Bearer challenge for a token: "" with `error` when it cannot.
  std::string request_token(std::map<std::string, std::string>& parameters, std::string* error);
  /// Whether there is nothing to log in with: no credentials, no identity token.
  bool anonymous() const { return options_.credentials.empty() && options_.identity_token.empty(); }
  /// Answers a 401's challenge; false with `error` when it cannot.
  bool authorize(const std::string& challenge, std::string* error);

  Engine& engine_;
  ImageReference reference_;
  RegistryClientOptions options_;
  std::string authorization_;
  std::string last_challenge_;
};

}  // namespace fetchpool::registry
