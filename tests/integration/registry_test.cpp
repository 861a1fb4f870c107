// A real Registry v2 (Debian's docker-registry), images pushed by skopeo: the ground the
// image puller stands on. Blobs come through the engine verified by the digest the
// registry advertises, also when split over several connections.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fetchpool/engine.h"
#include "support/process.h"
#include "support/registry_server.h"
#include "support/shared_server.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

using test::RegistryServer;
using test::TempDir;

class RegistryTest : public test::SharedServerTest<RegistryServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<RegistryServer>(); });
  }
  nlohmann::json skopeo_inspect(const std::string& image, bool raw) {
    std::vector<std::string> argv{"/usr/bin/skopeo", "inspect", "--tls-verify=false"};
    if (raw) argv.push_back("--raw");
    argv.push_back("docker://" + server_->host() + "/" + image);
    auto run = test::run_process(argv);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return nlohmann::json::parse(run.out, nullptr, false);
  }
  TempDir dir_;
};

TEST_F(RegistryTest, SkopeoSeesTheImagesPushedToIt) {
  std::string digest = server_->push_image("test/small", "v1");
  auto inspected = skopeo_inspect("test/small:v1", false);
  EXPECT_EQ(inspected["Digest"], digest);
  EXPECT_EQ(inspected["Layers"].size(), 3u);

  std::string index_digest = server_->push_image("test/multi", "v1", 2, 50'000, "linux/amd64,linux/arm64/v8");
  auto index = skopeo_inspect("test/multi:v1", true);
  ASSERT_EQ(index["manifests"].size(), 2u) << index.dump();
  EXPECT_EQ(index["manifests"][1]["platform"]["architecture"], "arm64");
  EXPECT_EQ(skopeo_inspect("test/multi@" + index_digest, true), index);
}

TEST_F(RegistryTest, BlobsComeThroughTheEngineCheckedAgainstTheAdvertisedDigest) {
  server_->push_image("test/blobs", "v1", 2, 3'000'000);
  auto manifest = skopeo_inspect("test/blobs:v1", true);
  ASSERT_EQ(manifest["layers"].size(), 2u);

  EngineOptions options;
  options.output_dir = dir_ / "out";
  options.min_split_size = 256 * 1024;  // a 3 MB layer over four connections
  Engine engine(options);
  std::vector<std::string> digests;
  std::vector<TransferHandle> handles;
  for (const auto& layer : manifest["layers"]) {
    std::string digest = layer["digest"];
    digests.push_back(digest);
    handles.push_back(engine.submit(
        {.url = server_->url("/v2/test/blobs/blobs/" + digest), .file_name = digest.substr(7)}));
  }
  for (std::size_t i = 0; i < handles.size(); ++i) {
    Result result = handles[i].wait();
    ASSERT_EQ(result.status, Status::ok) << result.message;
    EXPECT_EQ("sha256:" + test::sha256_of(dir_ / ("out/" + digests[i].substr(7))), digests[i]);
  }

  // The registry's own Docker-Content-Digest is checked: a request that expects another
  // digest fails before anything gets the name.
  Result wrong = engine
                     .submit({.url = server_->url("/v2/test/blobs/blobs/" + digests[0]),
                              .file_name = "wrong",
                              .expected_digest = "sha256:" + std::string(64, '0')})
                     .wait();
  EXPECT_EQ(wrong.category, ErrorCategory::checksum) << wrong.message;
}

}  // namespace
}  // namespace fetchpool
