#include "registry/oci_media_types.h"

#include <nlohmann/json.hpp>

namespace fetchpool::registry {
namespace {

using nlohmann::json;

// Docker's media type of a config or layer, and OCI's name for the same bytes.
std::string oci_blob_type(const std::string& docker) {
  static const std::map<std::string, std::string, std::less<>> kNames{
      {"application/vnd.docker.container.image.v1+json", "application/vnd.oci.image.config.v1+json"},
      {"application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.oci.image.layer.v1.tar+gzip"},
      {"application/vnd.docker.image.rootfs.diff.tar.zstd", "application/vnd.oci.image.layer.v1.tar+zstd"},
      {"application/vnd.docker.image.rootfs.diff.tar", "application/vnd.oci.image.layer.v1.tar"},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
       "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"},
  };
  auto it = kNames.find(docker);
  return it == kNames.end() ? docker : it->second;
}

void rename_blob_type(json& descriptor) {
  if (descriptor.is_object() && descriptor.contains("mediaType") && descriptor["mediaType"].is_string())
    descriptor["mediaType"] = oci_blob_type(descriptor["mediaType"].get<std::string>());
}

}  // namespace

std::string oci_image_manifest(const std::string& body) {
  json manifest = json::parse(body, nullptr, false);
  if (!manifest.is_object() ||
      manifest.value("mediaType", "") != "application/vnd.docker.distribution.manifest.v2+json")
    return body;
  manifest["mediaType"] = kOciManifestType;
  if (manifest.contains("config")) rename_blob_type(manifest["config"]);
  if (manifest.contains("layers") && manifest["layers"].is_array()) {
    for (json& layer : manifest["layers"]) rename_blob_type(layer);
  }
  return manifest.dump();
}

std::string oci_image_index(const std::string& body, const std::map<std::string, Descriptor>& rewritten) {
  json index = json::parse(body, nullptr, false);
  if (!index.is_object()) return body;
  const bool docker =
      index.value("mediaType", "") == "application/vnd.docker.distribution.manifest.list.v2+json";
  bool changed = docker;
  if (docker) index["mediaType"] = kOciIndexType;
  if (index.contains("manifests") && index["manifests"].is_array()) {
    for (json& entry : index["manifests"]) {
      if (!entry.is_object() || !entry.contains("digest") || !entry["digest"].is_string()) continue;
      auto it = rewritten.find(entry["digest"].get<std::string>());
      if (it == rewritten.end() || it->second.digest == entry["digest"].get<std::string>()) continue;
      entry["mediaType"] = it->second.media_type;
      entry["digest"] = it->second.digest;
      entry["size"] = it->second.size;
      changed = true;
    }
  }
  return changed ? index.dump() : body;
}

}  // namespace fetchpool::registry
