#include "registry/manifest.h"

#include <gtest/gtest.h>

namespace fetchpool::registry {
namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');

TEST(Manifest, ImageManifestOfEitherFlavour) {
  std::string docker =
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" +
      kA + R"(","size":7},
    "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":")" +
      kB + R"(","size":9}]})";
  Manifest manifest;
  std::string error;
  ASSERT_TRUE(parse_manifest(docker, "", &manifest, &error)) << error;
  EXPECT_FALSE(manifest.is_index);
  EXPECT_EQ(manifest.config.digest, kA);
  ASSERT_EQ(manifest.layers.size(), 1u);
  EXPECT_EQ(manifest.layers[0].size, 9);

  // OCI manifests may leave mediaType out of the body: the Content-Type says it.
  std::string oci = R"({"schemaVersion":2,"config":{"digest":")" + kA + R"(","size":7},"layers":[]})";
  ASSERT_TRUE(
      parse_manifest(oci, "application/vnd.oci.image.manifest.v1+json; charset=utf-8", &manifest, &error))
      << error;
}

TEST(Manifest, IndexAndPlatformChoice) {
  std::string index =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
    {"digest":")" +
      kA + R"(","size":1,"platform":{"os":"linux","architecture":"amd64"}},
    {"digest":")" +
      kB + R"(","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]})";
  Manifest manifest;
  std::string error;
  ASSERT_TRUE(parse_manifest(index, "", &manifest, &error)) << error;
  ASSERT_TRUE(manifest.is_index);
  Descriptor chosen;
  Platform arm64;
  ASSERT_TRUE(parse_platform("linux/arm64", &arm64, &error));
  ASSERT_TRUE(choose_platform(manifest, arm64, &chosen, &error)) << error;
  EXPECT_EQ(chosen.digest, kB);
  Platform riscv{"linux", "riscv64", ""};
  EXPECT_FALSE(choose_platform(manifest, riscv, &chosen, &error));
  EXPECT_NE(error.find("linux/amd64, linux/arm64/v8"), std::string::npos) << error;
}

TEST(Manifest, RejectsWhatItCannotCheck) {
  Manifest manifest;
  std::string error;
  EXPECT_FALSE(parse_manifest("not json", "", &manifest, &error));
  EXPECT_FALSE(parse_manifest(R"({"schemaVersion":1,"name":"x"})",
                              "application/vnd.docker.distribution.manifest.v1+json", &manifest, &error));
  EXPECT_NE(error.find("unsupported manifest type"), std::string::npos) << error;
  std::string bad_digest = R"({"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "config":{"digest":"sha256:../../etc/passwd","size":1},"layers":[]})";
  EXPECT_FALSE(parse_manifest(bad_digest, "", &manifest, &error));
  Platform platform;
  EXPECT_FALSE(parse_platform("linux", &platform, &error));
}

}  // namespace
}  // namespace fetchpool::registry
