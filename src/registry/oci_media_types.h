#pragma once

#include <map>
#include <string>

#include "registry/manifest.h"

namespace fetchpool::registry {

/// An image manifest in Docker's v2 schema 2 media types rewritten in OCI's, as skopeo
/// writes an OCI layout: the same config and layer blobs (their bytes and digests
/// unchanged), the manifest's, the config's and each layer's media type renamed; every
/// other field kept. skopeo, umoci and podman read an OCI layout by tag only when its
/// manifests are OCI's. A body already in OCI media types comes back as it is; so does one
/// that is not JSON (it was parsed before). Its digest is then not the registry's.
std::string oci_image_manifest(const std::string& body);

/// An index (Docker manifest list or OCI index) as an OCI image index whose entries point
/// at the manifests as rewritten: `rewritten` maps a manifest's digest as the registry
/// has it to its descriptor in the layout (digest, size). Entries not in it are kept.
std::string oci_image_index(const std::string& body, const std::map<std::string, Descriptor>& rewritten);

}  // namespace fetchpool::registry
