// fetchpool's image pull: manifests through RegistryClient, every blob through the engine
// (concurrent, resumable, verified against its digest), then the OCI layout's index.

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "fetchpool/engine.h"
#include "fetchpool/pull.h"
#include "platform/file.h"
#include "registry/manifest.h"
#include "registry/reference.h"
#include "registry/registry_client.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using registry::Descriptor;
using registry::Manifest;

constexpr const char* kRefAnnotation = "org.opencontainers.image.ref.name";

bool write_whole(const fs::path& path, const std::string& data, std::string* error) {
  bool existed = false;
  return platform::create_file_atomically(path.string(), data.data(), data.size(), /*replace=*/true, error, &existed);
}

std::string blob_path_name(const std::string& digest) {
  return digest.substr(digest.find(':') + 1);
}

// index.json with this image's entry replacing any earlier one of the same name.
std::string updated_index(const fs::path& layout, const Descriptor& manifest, const std::string& ref_name) {
  nlohmann::json index = {{"schemaVersion", 2}, {"manifests", nlohmann::json::array()}};
  std::ifstream in(layout / "index.json");
  if (in) {
    auto existing = nlohmann::json::parse(in, nullptr, false);
    if (!existing.is_discarded() && existing.contains("manifests") && existing["manifests"].is_array()) {
      for (const auto& entry : existing["manifests"]) {
        bool same_name = entry.contains("annotations") && entry["annotations"].value(kRefAnnotation, "") == ref_name;
        if (!same_name) index["manifests"].push_back(entry);
      }
    }
  }
  nlohmann::json entry = {{"mediaType", manifest.media_type}, {"digest", manifest.digest}, {"size", manifest.size}};
  if (!ref_name.empty()) entry["annotations"] = {{kRefAnnotation, ref_name}};
  index["manifests"].push_back(entry);
  return index.dump();
}

}  // namespace

PullResult pull_to_oci_layout(const PullOptions& options) {
  PullResult result;
  registry::ImageReference reference;
  if (!registry::parse_image_reference(options.image, &reference, &result.error)) return result;
  result.reference = reference.registry + "/" + reference.repository +
                     (reference.tag.empty() ? "" : ":" + reference.tag) +
                     (reference.digest.empty() ? "" : "@" + reference.digest);
  registry::Platform wanted = registry::host_platform();
  if (!options.platform.empty() && !registry::parse_platform(options.platform, &wanted, &result.error)) return result;

  registry::RegistryClientOptions client_options;
  client_options.plain_http = options.plain_http;
  client_options.verify_tls = options.engine.verify_tls;
  client_options.ca_cert_file = options.engine.ca_cert_file;
  client_options.connect_timeout_s = options.engine.connect_timeout_s;
  registry::RegistryClient client(reference, client_options);

  // The manifest, through an index when the reference names one.
  std::string body, content_type, digest;
  if (!client.get_manifest(reference.manifest_reference(), &body, &content_type, &digest, &result.error))
    return result;
  Manifest manifest;
  if (!registry::parse_manifest(body, content_type, &manifest, &result.error)) return result;
  if (manifest.is_index) {
    Descriptor chosen;
    if (!registry::choose_platform(manifest, wanted, &chosen, &result.error)) return result;
    if (!client.get_manifest(chosen.digest, &body, &content_type, &digest, &result.error)) return result;
    if (!registry::parse_manifest(body, content_type, &manifest, &result.error)) return result;
    if (manifest.is_index) {
      result.error = "the index for " + wanted.text() + " points at another index, which fetchpool does not follow";
      return result;
    }
  }

  // Every blob through the engine, verified against its digest before it gets its name.
  const fs::path blobs_dir = options.layout_dir / "blobs" / "sha256";
  EngineOptions engine_options = options.engine;
  engine_options.output_dir = blobs_dir;
  engine_options.if_exists = IfExists::skip;  // a blob already there is that blob: its name is its digest
  std::vector<Descriptor> blobs{manifest.config};
  blobs.insert(blobs.end(), manifest.layers.begin(), manifest.layers.end());
  {
    Engine engine(engine_options);
    std::vector<TransferHandle> handles;
    for (const Descriptor& blob : blobs) {
      Request request;
      request.url = client.blob_url(blob.digest);
      request.file_name = blob_path_name(blob.digest);
      request.expected_digest = blob.digest;
      handles.push_back(engine.submit(std::move(request)));
    }
    for (TransferHandle& handle : handles) result.blobs.push_back(handle.wait());
  }
  std::size_t failed = 0;
  for (const Result& blob : result.blobs) {
    if (blob.ok()) continue;
    if (++failed == 1) result.error = blob.url + ": " + blob.message;
  }
  if (failed > 0) {
    if (failed > 1) result.error += " (and " + std::to_string(failed - 1) + " more blobs failed)";
    return result;
  }

  // The manifest blob, then the layout's index naming it: the image is visible only once
  // everything it points at is in place.
  Descriptor written;
  written.media_type = manifest.media_type;
  written.digest = digest;
  written.size = static_cast<std::int64_t>(body.size());
  std::string error;
  if (!write_whole(blobs_dir / blob_path_name(digest), body, &error) ||
      !write_whole(options.layout_dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})", &error) ||
      !write_whole(options.layout_dir / "index.json",
                   updated_index(options.layout_dir, written, reference.tag.empty() ? "" : reference.tag), &error)) {
    result.error = error;
    return result;
  }
  result.manifest_digest = digest;
  result.ok = true;
  return result;
}

}  // namespace fetchpool
