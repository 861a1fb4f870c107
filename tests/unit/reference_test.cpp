#include "registry/reference.h"

#include <gtest/gtest.h>

namespace fetchpool::registry {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

ImageReference parse(const std::string& text) {
  ImageReference reference;
  std::string error;
  EXPECT_TRUE(parse_image_reference(text, &reference, &error)) << text << ": " << error;
  return reference;
}

TEST(ImageReference, ShortNamesAreDockerHubLibraryImages) {
  ImageReference alpine = parse("alpine");
  EXPECT_EQ(alpine.registry, "docker.io");
  EXPECT_EQ(alpine.repository, "library/alpine");
  EXPECT_EQ(alpine.tag, "latest");
  EXPECT_EQ(alpine.api_host(), "registry-1.docker.io");
  EXPECT_EQ(alpine.familiar_name(), "alpine:latest");
  EXPECT_EQ(parse("team/app:1.2").repository, "team/app");
  EXPECT_EQ(parse("team/app:1.2").familiar_name(), "team/app:1.2");
  EXPECT_EQ(parse("index.docker.io/library/alpine:3.19").familiar_name(), "alpine:3.19");
}

TEST(ImageReference, RegistryWithPortAndNestedPath) {
  ImageReference r = parse("localhost:5000/a/b/c:v1");
  EXPECT_EQ(r.registry, "localhost:5000");
  EXPECT_EQ(r.repository, "a/b/c");
  EXPECT_EQ(r.tag, "v1");
  EXPECT_EQ(r.api_host(), "localhost:5000");
  EXPECT_EQ(r.familiar_name(), "localhost:5000/a/b/c:v1");
  EXPECT_TRUE(r.is_loopback());
  EXPECT_EQ(parse("ghcr.io/owner/img").tag, "latest");
  EXPECT_FALSE(parse("ghcr.io/owner/img").is_loopback());
  EXPECT_TRUE(parse("127.0.0.1:5000/x").is_loopback());
  EXPECT_TRUE(parse("[::1]:5000/x").is_loopback());
  EXPECT_EQ(parse("myhost:5000/app").tag, "latest") << "a port is not a tag";
}

TEST(ImageReference, DigestPinsTheManifest) {
  ImageReference pinned = parse("alpine@" + kDigest);
  EXPECT_EQ(pinned.digest, kDigest);
  EXPECT_EQ(pinned.tag, "");
  EXPECT_EQ(pinned.manifest_reference(), kDigest);
  ImageReference both = parse("host.example/app:1.0@" + kDigest);
  EXPECT_EQ(both.tag, "1.0");
  EXPECT_EQ(both.manifest_reference(), kDigest) << "the digest wins";
  EXPECT_EQ(parse("alpine:3").manifest_reference(), "3");
}

TEST(ImageReference, InvalidOnesSayWhy) {
  for (const char* bad : {"", "Alpine", "alpine:", "alpine@sha256:abc",
                          "alpine@md5:"
                          "00",
                          "a//b", "-app", "app:-x", "host.example/", "alpine:has space"}) {
    ImageReference reference;
    std::string error;
    EXPECT_FALSE(parse_image_reference(bad, &reference, &error)) << bad;
    EXPECT_NE(error.find("invalid image reference"), std::string::npos) << bad << ": " << error;
  }
  std::string error;
  ImageReference reference;
  parse_image_reference("Alpine", &reference, &error);
  EXPECT_NE(error.find("lower case"), std::string::npos) << error;
}

}  // namespace
}  // namespace fetchpool::registry
