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
  double request_timeout_s = 60;  ///< Manifests are small: a whole request's limit.
};

/// Talks to one repository of a Registry v2 for what is small enough to hold in memory
/// (manifests); blobs go through the engine at blob_url(). Anonymous access only so far: a
/// registry that asks for credentials gets a clear error.
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

 private:
  ImageReference reference_;
  RegistryClientOptions options_;
};

}  // namespace fetchpool::registry
