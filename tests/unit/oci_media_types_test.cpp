#include "registry/oci_media_types.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace fetchpool::registry {
namespace {

using nlohmann::json;

const char* const kDockerManifest = R"({"schemaVersion":2,
  "mediaType":"application/vnd.docker.distribution.manifest.v2+json",
  "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7,"digest":"sha256:c0"},
  "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":9,"digest":"sha256:l1"},
            {"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","size":3,"digest":"sha256:l2",
             "urls":["https://example.com/l2"]}]})";

TEST(OciMediaTypes, ADockerManifestIsRenamedBlobsKept) {
  json oci = json::parse(oci_image_manifest(kDockerManifest));
  EXPECT_EQ(oci["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(oci["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  EXPECT_EQ(oci["config"]["digest"], "sha256:c0");
  EXPECT_EQ(oci["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
  EXPECT_EQ(oci["layers"][0]["digest"], "sha256:l1");
  EXPECT_EQ(oci["layers"][1]["mediaType"], "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip");
  EXPECT_EQ(oci["layers"][1]["urls"][0], "https://example.com/l2");
}

TEST(OciMediaTypes, AnOciManifestIsKeptByteForByte) {
  const std::string body =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json", "layers":[]})";
  EXPECT_EQ(oci_image_manifest(body), body);
}

TEST(OciMediaTypes, AManifestListBecomesAnIndexOfTheRewrittenImages) {
  const std::string list = R"({"schemaVersion":2,
    "mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":5,"digest":"sha256:a",
                  "platform":{"architecture":"amd64","os":"linux"}}]})";
  Descriptor rewritten{"application/vnd.oci.image.manifest.v1+json", "sha256:b", 6, {}};
  json index = json::parse(oci_image_index(list, {{"sha256:a", rewritten}}));
  EXPECT_EQ(index["mediaType"], "application/vnd.oci.image.index.v1+json");
  EXPECT_EQ(index["manifests"][0]["digest"], "sha256:b");
  EXPECT_EQ(index["manifests"][0]["size"], 6);
  EXPECT_EQ(index["manifests"][0]["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(index["manifests"][0]["platform"]["architecture"], "amd64");
}

}  // namespace
}  // namespace fetchpool::registry
