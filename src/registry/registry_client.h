#pragma once

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
  /// Where `credentials` came from, for a refusal's message ("--username", "credential
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
/// fetches a token from the realm (with the credentials, when given, as Basic) and retries;
/// a 401 with `Basic` retries with the credentials.
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
  /// One GET into memory, through the engine, sending `authorization` when not empty.
  Result get(const std::string& url, const std::string& accept, const std::string& authorization,
             const std::string& label);
  /// Answers a 401's challenge; false with `error` when it cannot.
  bool authorize(const std::string& challenge, std::string* error);

  Engine& engine_;
  ImageReference reference_;
  RegistryClientOptions options_;
  std::string authorization_;
  std::string last_challenge_;
};

}  // namespace fetchpool::registry
