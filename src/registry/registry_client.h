#pragma once

#include <string>
#include <vector>

#include "registry/reference.h"

namespace fetchpool::registry {

struct RegistryClientOptions {
  bool plain_http = false;  ///< http:// instead of https:// (loopback registries use it anyway).
  bool verify_tls = true;
  std::string ca_cert_file;
  double connect_timeout_s = 10;
  double request_timeout_s = 60;  ///< Manifests and tokens are small: a whole request's limit.
  /// As EngineOptions::stall_timeout_s and min_rate_bytes_per_s: a request slower than
  /// min_rate over that window fails (0: no such limit).
  double stall_timeout_s = 30;
  std::int64_t min_rate_bytes_per_s = 1024;
  /// "user:password" for Basic auth and for token requests; empty: anonymous.
  std::string credentials;
  /// Where to ask instead of the reference's registry: a mirror, "https://mirror.example" or
  /// "mirror.example" (https, unless on loopback) or "http://127.0.0.1:5001". Empty: the
  /// registry itself.
  std::string endpoint;
};

/// Talks to one repository of a Registry v2 for what is small enough to hold in memory
/// (manifests, tokens); blobs go through the engine at blob_url() with authorization().
/// Auth as Docker does it: a 401 with `WWW-Authenticate: Bearer realm=..,service=..,scope=..`
/// fetches a token from the realm (with the credentials, when given, as Basic) and retries;
/// a 401 with `Basic` retries with the credentials.
class RegistryClient {
 public:
  RegistryClient(ImageReference reference, RegistryClientOptions options);

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

 public:
  struct Reply;  ///< A small response held whole (for the libcurl callbacks).

 private:
  /// One GET; `status` is 0 when the request itself failed (then `error` says why).
  bool get(const std::string& url, const std::string& accept, bool send_authorization,
           const std::string& basic_credentials, Reply* reply, std::string* error);
  /// Answers a 401's challenge; false with `error` when it cannot.
  bool authorize(const std::string& challenge, std::string* error);

  ImageReference reference_;
  RegistryClientOptions options_;
  std::string authorization_;
  std::string last_challenge_;
};

}  // namespace fetchpool::registry
