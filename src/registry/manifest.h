#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fetchpool::registry {

/// The media types of an image manifest and of an index of them, OCI's and Docker's.
inline constexpr const char* kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kOciIndexType = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* kDockerManifestType = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kDockerListType = "application/vnd.docker.distribution.manifest.list.v2+json";

/// The Accept header for manifests: the four types above, indexes first.
extern const std::string kManifestAccept;

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;  ///< Empty when none.
  /// "linux/arm64/v8", or "linux/amd64".
  std::string text() const;
};

/// A pointer to a blob or manifest: what it is, its digest, its size.
struct Descriptor {
  std::string media_type;
  std::string digest;  ///< "sha256:HEX".
  std::int64_t size = 0;
  Platform platform;  ///< In an index.
};

/// A manifest as the registry sent it, parsed: an index (Docker manifest list or OCI image
/// index), or an image manifest (Docker v2 schema 2 or OCI).
struct Manifest {
  bool is_index = false;
  std::string media_type;
  std::vector<Descriptor> manifests;  ///< An index's entries.
  Descriptor config;                  ///< An image's config blob.
  std::vector<Descriptor> layers;     ///< An image's layers, bottom first.
};

/// Parses a manifest body. `content_type` is the response's Content-Type (used when the
/// body has no mediaType). False with a sentence in `error` when it is none of the four.
bool parse_manifest(const std::string& body, const std::string& content_type, Manifest* manifest,
                    std::string* error);

/// Parses "os/arch[/variant]"; false with `error` when malformed.
bool parse_platform(const std::string& text, Platform* platform, std::string* error);
/// The platform of the machine this runs on (linux/amd64, linux/arm64/v8, ...).
Platform host_platform();

/// The index entry for `wanted` (a missing variant in `wanted` matches any); false with an
/// error listing the platforms the index has when none matches.
bool choose_platform(const Manifest& index, const Platform& wanted, Descriptor* chosen, std::string* error);

}  // namespace fetchpool::registry
