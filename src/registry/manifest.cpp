#include "registry/manifest.h"

#include <nlohmann/json.hpp>

namespace fetchpool::registry {
namespace {

Descriptor descriptor_of(const nlohmann::json& json) {
  Descriptor descriptor;
  descriptor.media_type = json.value("mediaType", "");
  descriptor.digest = json.value("digest", "");
  descriptor.size = json.value("size", std::int64_t{0});
  if (json.contains("platform") && json["platform"].is_object()) {
    const auto& platform = json["platform"];
    descriptor.platform.os = platform.value("os", "");
    descriptor.platform.architecture = platform.value("architecture", "");
    descriptor.platform.variant = platform.value("variant", "");
  }
  return descriptor;
}

bool is_sha256_digest(const std::string& digest) {
  return digest.size() == 71 && digest.rfind("sha256:", 0) == 0 &&
         digest.find_first_not_of("0123456789abcdef", 7) == std::string::npos;
}

}  // namespace

const std::string kManifestAccept = std::string(kOciIndexType) + ", " + kDockerListType + ", " +
                                    kOciManifestType + ", " + kDockerManifestType;

std::string Platform::text() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

bool parse_manifest(const std::string& body, const std::string& content_type, Manifest* manifest,
                    std::string* error) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    *error = "the manifest is not JSON";
    return false;
  }
  Manifest parsed;
  parsed.media_type = json.value("mediaType", "");
  if (parsed.media_type.empty()) parsed.media_type = content_type.substr(0, content_type.find(';'));
  const std::string& type = parsed.media_type;
  try {
    if (type == kOciIndexType || type == kDockerListType) {
      parsed.is_index = true;
      for (const auto& entry : json.at("manifests")) parsed.manifests.push_back(descriptor_of(entry));
    } else if (type == kOciManifestType || type == kDockerManifestType) {
      parsed.config = descriptor_of(json.at("config"));
      for (const auto& entry : json.at("layers")) parsed.layers.push_back(descriptor_of(entry));
    } else {
      *error = "unsupported manifest type '" + type +
               "' (fetchpool reads OCI and Docker v2 schema 2 manifests and indexes)";
      return false;
    }
  } catch (const nlohmann::json::exception&) {
    *error = "the manifest lacks the fields of a " + type;
    return false;
  }
  std::vector<const Descriptor*> all;
  for (const auto& d : parsed.manifests) all.push_back(&d);
  if (!parsed.is_index) all.push_back(&parsed.config);
  for (const auto& d : parsed.layers) all.push_back(&d);
  for (const Descriptor* d : all) {
    if (!is_sha256_digest(d->digest) || d->size < 0) {
      *error = "the manifest names a blob with a digest fetchpool cannot check: '" + d->digest + "'";
      return false;
    }
  }
  *manifest = std::move(parsed);
  return true;
}

bool parse_platform(const std::string& text, Platform* platform, std::string* error) {
  Platform parsed;
  std::size_t first = text.find('/');
  std::size_t second = first == std::string::npos ? first : text.find('/', first + 1);
  if (first == std::string::npos || first == 0 || first + 1 == text.size()) {
    *error = "invalid platform '" + text + "': use os/arch[/variant], e.g. linux/arm64";
    return false;
  }
  parsed.os = text.substr(0, first);
  parsed.architecture = text.substr(first + 1, second == std::string::npos ? second : second - first - 1);
  if (second != std::string::npos) parsed.variant = text.substr(second + 1);
  *platform = parsed;
  return true;
}

Platform host_platform() {
  Platform platform{"linux", "amd64", ""};
#if defined(__aarch64__)
  platform.architecture = "arm64";
  platform.variant = "v8";
#elif defined(__arm__)
  platform.architecture = "arm";
  platform.variant = "v7";
#elif defined(__i386__)
  platform.architecture = "386";
#elif defined(__powerpc64__)
  platform.architecture = "ppc64le";
#elif defined(__s390x__)
  platform.architecture = "s390x";
#elif defined(__riscv)
  platform.architecture = "riscv64";
#endif
#if defined(__APPLE__)
  platform.os = "darwin";
#elif defined(_WIN32)
  platform.os = "windows";
#endif
  return platform;
}

bool choose_platform(const Manifest& index, const Platform& wanted, Descriptor* chosen, std::string* error) {
  for (const Descriptor& entry : index.manifests) {
    const Platform& p = entry.platform;
    // arm64's variant is often left out in indexes; a wanted variant that is absent there matches.
    bool variant_ok = wanted.variant.empty() || p.variant.empty() || p.variant == wanted.variant;
    if (p.os == wanted.os && p.architecture == wanted.architecture && variant_ok) {
      *chosen = entry;
      return true;
    }
  }
  std::string available;
  for (const Descriptor& entry : index.manifests) {
    if (entry.platform.os.empty()) continue;  // attestations and the like
    available += (available.empty() ? "" : ", ") + entry.platform.text();
  }
  *error = "the image has no " + wanted.text() +
           " variant; it has: " + (available.empty() ? "none" : available) + " (choose one with --platform)";
  return false;
}

}  // namespace fetchpool::registry
