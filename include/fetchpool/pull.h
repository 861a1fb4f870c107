#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fetchpool/engine.h"
#include "fetchpool/export.h"
#include "fetchpool/options.h"
#include "fetchpool/result.h"

namespace fetchpool {

/// How a pulled image is written.
enum class ImageFormat {
  /// A tarball `docker load` and `skopeo copy docker-archive:FILE` take: manifest.json,
  /// repositories, and the config and layers (as downloaded) under blobs/sha256/.
  docker_archive,
  /// An OCI image layout directory: oci-layout, index.json (the tag in the
  /// org.opencontainers.image.ref.name annotation) and blobs/sha256/.
  oci_layout,
};

/// What to pull and where. Blobs already in the blob store (the layout itself, or
/// cache_dir) are kept and not downloaded again; partial ones continue where they stopped.
struct PullOptions {
  std::string image;  ///< "alpine", "host:5000/team/app:1.2", "app@sha256:...".
  /// Further images into the same output, as `docker save IMAGE...`: a docker-archive then
  /// holds every image with its tag, each blob stored once; an OCI layout gets an entry per
  /// image, named by its full reference ("host:5000/team/app:1.2") instead of its tag. A
  /// blob several images share is fetched once. Any image that cannot be pulled fails the
  /// whole pull (nothing is written under `output`).
  std::vector<std::string> more_images;
  std::filesystem::path output;  ///< The tarball, or the layout directory (created when missing).
  ImageFormat format = ImageFormat::docker_archive;
  /// Where blobs are kept for a tarball (as CACHE/blobs/sha256/HEX), and kept afterwards.
  /// Empty: OUTPUT.blobs/, removed once the tarball is complete.
  std::filesystem::path cache_dir;
  std::string platform;  ///< "os/arch[/variant]" from an index; empty: this machine's.
  /// Every image an index lists, and the index itself (ImageFormat::oci_layout only; the
  /// index is what the layout's index.json names). platform is then ignored.
  bool all_platforms = false;
  bool plain_http = false;  ///< http:// even for a registry that is not on loopback.
  /// Registries to try first, in order, for docker.io images (for every image with
  /// mirror_all_registries): "mirror.example", "https://mirror.example:5000",
  /// "http://127.0.0.1:5001". One that cannot serve the manifest is skipped; the image's
  /// own registry comes last. A mirror gets the credentials Docker's config has for it,
  /// never the image registry's.
  std::vector<std::string> mirrors;
  bool mirror_all_registries = false;
  /// "user:password" for the registry (Basic, or to get a token). Empty: looked for where
  /// docker, podman and skopeo keep them (credential helpers, auth files, Docker's config:
  /// docs/PULL.md, "Credentials"), else anonymous. Never printed and never put in a Result.
  std::string credentials;
  /// The one auth file to read credentials from instead of the usual places (skopeo's and
  /// podman's --authfile); empty: the usual places.
  std::string auth_file;
  /// The engine the pull makes for every request it sends (tokens, manifests, blobs):
  /// concurrency, connections per blob, retries, timeouts, TLS, proxies, progress callbacks.
  /// output_dir and if_exists do not apply (blobs go to the blob store, one already there
  /// is kept). on_finished and on_event see the blobs only; token and manifest requests are
  /// kept in memory and are not passed on. A token or manifest request is limited to 60 s
  /// (or max_time_s when shorter), its retries included; a mirror's get no retries.
  EngineOptions engine;
  /// An engine to run every request of the pull on instead of one of its own (several pulls
  /// may share one): its options apply, and `engine` is not used. Its callbacks then see the
  /// registry's requests too (Request::to_memory, an empty Result::path). Must outlive the
  /// pull. nullptr: the pull makes its own.
  Engine* run_on = nullptr;
  /// Called (on the pulling thread) with the engine every request goes through, before the
  /// first, and with nullptr after the last: for a progress display (Engine::progress), or
  /// to stop the pull (Engine::cancel_all) from another thread. Empty: none.
  std::function<void(Engine*)> on_engine;
  /// Called (on the pulling thread) once the images are resolved, before the first blob:
  /// how many blobs the pull has (each once) and the bytes of those not yet whole in the
  /// blob store, from the manifests' sizes. For a display's total and ETA. Empty: none.
  std::function<void(std::int64_t blobs, std::int64_t bytes)> on_planned;
};

/// One image a pull wrote.
struct PulledImage {
  std::string reference;        ///< "docker.io/library/alpine:latest"
  std::string manifest_digest;  ///< The registry's (see PullResult::manifest_digest).
  std::string served_by;        ///< "docker.io", or "mirror https://mirror.example": who served it.
};

/// How a pull ended.
struct PullResult {
  bool ok = false;
  std::string error;                ///< Why not, for a person to act on.
  std::string manifest_digest;      ///< Of the image manifest pulled (of the index, with all_platforms).
  std::string reference;            ///< The full reference pulled, e.g. "docker.io/library/alpine:latest".
  std::vector<Result> blobs;        ///< The config and the layers, as the engine ended them.
  std::vector<PulledImage> images;  ///< Every image written (PullOptions::image first), once ok.
};

/// Pulls one image (or several: PullOptions::more_images). Blocks until done; safe to call
/// from any thread.
FETCHPOOL_API PullResult pull_image(const PullOptions& options);

/// Whether `image` is an image reference pull_image can parse ("alpine", "host:5000/a/b:1",
/// "a@sha256:..."); when not, `why` says why, for a person.
FETCHPOOL_API bool check_image_reference(std::string_view image, std::string* why);

}  // namespace fetchpool
