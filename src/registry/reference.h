#pragma once

#include <string>
#include <string_view>

namespace fetchpool::registry {

/// An image reference as Docker reads one: `alpine` is docker.io/library/alpine:latest,
/// `host:5000/team/app:1.2` names its registry, `app@sha256:HEX` pins a manifest.
struct ImageReference {
  std::string registry;    ///< "docker.io", "ghcr.io", "localhost:5000".
  std::string repository;  ///< "library/alpine", "team/app".
  std::string tag;         ///< "latest" when neither a tag nor a digest is given; may be empty.
  std::string digest;      ///< "sha256:HEX" when pinned; empty otherwise.

  /// Where the Registry v2 API is served: registry-1.docker.io for docker.io.
  std::string api_host() const;
  /// What to ask /v2/REPOSITORY/manifests/ for: the digest when pinned, else the tag.
  std::string manifest_reference() const;
  /// The short form Docker shows and `docker load` tags with: "alpine:latest",
  /// "team/app:1.2" on docker.io, "host:5000/team/app:1.2" elsewhere. Without a tag, no ":".
  std::string familiar_name() const;
  /// True for registries that speak plain HTTP unless told otherwise, as Docker treats
  /// them: localhost, 127.0.0.0/8 and ::1 (with any port).
  bool is_loopback() const;
};

/// Parses `text`; false with a sentence in `error` when it is not a valid reference.
bool parse_image_reference(std::string_view text, ImageReference* reference, std::string* error);

}  // namespace fetchpool::registry
