#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fetchpool/export.h"
#include "fetchpool/options.h"
#include "fetchpool/result.h"

namespace fetchpool {

/// What to pull and where. The image is written as an OCI image layout (a directory with
/// oci-layout, index.json and blobs/sha256/...), the tag recorded in index.json's
/// org.opencontainers.image.ref.name annotation. Blobs already in the layout are kept and
/// not downloaded again; partial ones continue where they stopped.
struct PullOptions {
  std::string image;                ///< "alpine", "host:5000/team/app:1.2", "app@sha256:...".
  std::filesystem::path layout_dir;  ///< Created when missing.
  std::string platform;             ///< "os/arch[/variant]" from an index; empty: this machine's.
  bool plain_http = false;          ///< http:// even for a registry that is not on loopback.
  /// For the blobs: concurrency, connections per blob, retries, timeouts, TLS, progress
  /// callbacks. output_dir and if_exists are set by the pull.
  EngineOptions engine;
};

/// How a pull ended.
struct PullResult {
  bool ok = false;
  std::string error;             ///< Why not, for a person to act on.
  std::string manifest_digest;   ///< Of the image manifest written to the layout.
  std::string reference;         ///< The full reference pulled, e.g. "docker.io/library/alpine:latest".
  std::vector<Result> blobs;     ///< The config and the layers, as the engine ended them.
};

/// Pulls one image. Blocks until done; safe to call from any thread.
FETCHPOOL_API PullResult pull_to_oci_layout(const PullOptions& options);

}  // namespace fetchpool
